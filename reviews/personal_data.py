"""What the evaluation holds about a person (portal/personal_data.py): an outside reviewer's
profile, panels and assignments. A reviewer leaves only once no review of theirs is still
awaited; reviews and scores stay with the evaluation they decided, under the reviewer's
pseudonym once they leave."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from applications.models import State
from portal import personal_data
from portal.labels import labels_of
from portal.personal_data import Holder, Section
from reviews.models import Assignment, Panel, PanelMember, ReviewerProfile

# An assignment still to be done: not yet scored (or reopened), on an application whose
# evaluation is still running (under evaluation, or back for an appeal).
OPEN = (Assignment.Status.ASSIGNED, Assignment.Status.CLEARED)
EVALUATING = (State.UNDER_REVIEW, State.APPEAL)


def _obstacles(user) -> list[str]:
    """A reviewer holding reviews not yet submitted would leave the panel short of a score."""
    open_per_call = (Assignment.objects.filter(reviewer=user, status__in=OPEN, application__state__in=EVALUATING)
                     .values("panel__call_id", "panel__call__title").annotate(count=Count("pk")).order_by("panel__call__title", "panel__call_id"))
    return [
        ngettext("You have %(count)d review not yet submitted for %(call)s, so you cannot leave yet. Submit it, or ask the "
                 "program officer to take you off it, then try again.",
                 "You have %(count)d reviews not yet submitted for %(call)s, so you cannot leave yet. Submit them, or ask the "
                 "program officer to take you off them, then try again.", row["count"])
        % {"count": row["count"], "call": row["panel__call__title"]}
        for row in open_per_call
    ]


def _forget(user, *, now) -> None:
    ReviewerProfile.objects.filter(user=user).update(affiliation="", expertise="", is_active=False)


def _about(user) -> list[tuple[str, list[str]]]:
    """The evaluations of the applications of the person's companies (reviewers open them)."""
    assignments = Assignment.objects.filter(Q(application__company__memberships__user=user) | Q(application__created_by=user))
    return [("reviews.assignment", [str(pk) for pk in assignments.values_list("pk", flat=True).distinct()])]


def _sections(user) -> list[Section]:
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is None:
        return []
    rows = [[_("Affiliation"), profile.affiliation], [_("Field of expertise"), profile.expertise], [_("In the reviewer pool"), profile.is_active],
            [_("Since"), profile.created_at]]
    panels = PanelMember.objects.filter(reviewer=user).select_related("panel__call").order_by("-invited_at")
    stages = labels_of(Panel, "stage")

    def panel_rows():
        for member in panels:
            yield [member.panel.call.title, member.panel.name, stages.get(member.panel.stage), member.invited_at]

    assignments = Assignment.objects.filter(reviewer=user).select_related("application", "panel").order_by("-created_at")
    statuses = labels_of(Assignment, "status")

    def assignment_rows():
        for assignment in assignments:
            yield [assignment.panel.name, assignment.application.receipt_number or "", statuses.get(assignment.status),
                   assignment.created_at, assignment.declared_at]

    return [
        Section("reviewer_profile", _("Your reviewer profile"), (_("Item"), _("Held")), len(rows), lambda: rows),
        Section("panels", _("Panels you were invited to"), (_("Call"), _("Panel"), _("Stage"), _("Invited")), panels.count(), panel_rows),
        Section("assignments", _("Applications assigned to you"),
                (_("Panel"), _("Receipt number"), _("Status"), _("Assigned"), _("Conflict of interest declared")),
                assignments.count(), assignment_rows),
    ]


personal_data.register(Holder(name="reviews", obstacles=_obstacles, forget=_forget, sections=_sections, about=_about))
