"""Who may do what with a project and its payments, as `rules` predicates shared by the views,
the templates and the transitions (a payment request is judged by its project)."""

from __future__ import annotations

import rules

from applications.permissions import is_program_officer
from portal.permissions import is_admin, is_company_member


def _project_of(obj):
    """A project, or a payment request's project."""
    return getattr(obj, "project", obj)


@rules.predicate
def is_project_member(user, obj) -> bool:
    """A member of the company carrying out the project."""
    project = _project_of(obj)
    return project is not None and is_company_member(user, project.application.company)


@rules.predicate
def is_project_officer(user, obj) -> bool:
    """An officer of the program the project's call belongs to."""
    project = _project_of(obj)
    return project is not None and is_program_officer(user, project)


rules.add_perm("projects.view_project", is_project_member | is_project_officer | is_admin)
rules.add_perm("projects.report_project", is_project_member)
rules.add_perm("projects.set_account", is_project_member)
rules.add_perm("projects.request_payment", is_project_member)
# Decisions on a project and its money are the program officer's; an admin sets the portal up but does not decide.
rules.add_perm("projects.manage_project", is_project_officer)
rules.add_perm("projects.manage_payments", is_project_officer)
rules.add_perm("projects.enter_expense", is_project_member)
rules.add_perm("projects.review_expense", is_project_officer)
