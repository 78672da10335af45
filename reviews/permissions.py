from __future__ import annotations

import rules

from applications.permissions import is_program_officer
from portal.permissions import is_admin, is_reviewer


@rules.predicate
def is_assigned_reviewer(user, obj) -> bool:
    """The reviewer of an assignment (or of a review, through its assignment) still assigned."""
    assignment = getattr(obj, "assignment", obj)
    return assignment is not None and user.is_authenticated and assignment.reviewer_id == user.pk and assignment.is_active


@rules.predicate
def is_evaluation_officer(user, obj) -> bool:
    """An officer of the program of a call, an assignment, or a review (through its assignment)."""
    return is_program_officer(user, getattr(obj, "assignment", obj))


rules.add_perm("reviews.review_assignment", is_reviewer & is_assigned_reviewer)
rules.add_perm("reviews.manage_evaluation", is_evaluation_officer)
rules.add_perm("reviews.view_evaluation", is_program_officer | is_admin)
