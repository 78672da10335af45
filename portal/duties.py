"""Separation of duties: nobody acts for the agency on a company they are tied to.

A person is tied to a company when they are one of its members or have declared (or been
recorded with) a tie to its 사업자등록번호 — see `StaffTie`. Such a person can never
screen, review, select, prepare or sign for the company's application; an administrator's
account sets the portal up and does none of an officer's work.

Every agency-side service calls `refuse_if_tied` before it opens its transaction, so that
the refusal is recorded (as an `AuditEvent` "duty.refused") even though the action is not;
`tie_with` is also checked again under the application's lock (`applications.lifecycle.runner.begin`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Company, CompanyMembership, StaffTie
from portal.roles import roles_of
from portal.services.audit import audit_record

# What the person tried to do, as the refusal names it, and the permission that makes it
# theirs to do at all (someone without it is refused by the action's own check, unrecorded).
ACTIONS = {
    "screen": (gettext_lazy("screening this application"), "applications.screen_application"),
    "review": (gettext_lazy("reviewing this application"), "reviews.review_assignment"),
    "assign": (gettext_lazy("assigning reviewers to this application"), "reviews.manage_evaluation"),
    "assign_panel": (gettext_lazy("assigning reviewers to a panel that evaluates this company"), "reviews.manage_evaluation"),
    "tie": (gettext_lazy("recording a reviewer's tie with this company"), "reviews.manage_evaluation"),
    "reopen": (gettext_lazy("reopening a review of this application"), "reviews.manage_evaluation"),
    "extend": (gettext_lazy("extending the due time of a panel that evaluates this company"), "reviews.manage_evaluation"),
    "select": (gettext_lazy("a selection that includes this company"), "applications.decide_selection"),
    "appeal": (gettext_lazy("deciding this application's appeal"), "applications.decide_appeal"),
    "offer": (gettext_lazy("offering this company a place"), "applications.decide_selection"),
    "agreement": (gettext_lazy("preparing this company's agreement"), "applications.manage_agreement"),
    "countersign": (gettext_lazy("signing this company's agreement for the agency"), "applications.countersign_agreement"),
}


def register_duty(action: str, label, permission: str) -> None:
    """From an app's ready(): an agency action of that app (its label says what the person
    tried to do; `permission` makes it theirs to do at all)."""
    ACTIONS[action] = (label, permission)


class ConflictOfInterest(PermissionDenied):
    """Refused because the person is tied to the company, or is an administrator."""


def tie_with(user, company: Company) -> str | None:
    """What ties `user` to `company` (membership first, then a declared tie), or None."""
    if CompanyMembership.objects.filter(user=user, company=company).exists():
        return str(_("member of the company"))
    tie = StaffTie.objects.filter(person=user, business_number=company.business_number).order_by("pk").first()
    return tie.get_kind_display() if tie else None


def first_tied(user, companies) -> Company | None:
    """The first of `companies` (a queryset) that `user` is tied to, in one query."""
    numbers = StaffTie.objects.filter(person=user).values("business_number")
    return companies.filter(Q(memberships__user=user) | Q(business_number__in=numbers)).order_by("pk").first()


def refuse_if_tied(user, company: Company | None, *, action: str, target, ip: str | None = None, record: bool = True) -> None:
    """Raise `ConflictOfInterest` (after recording it) when `user`, who holds the permission
    for `action` on `target`, may not use it for `company`. Call it outside the transaction
    of the action, so that the record stays."""

    label, permission = ACTIONS[action]
    if user is None or not user.has_perm(permission, target):
        return
    if roles_of(user).is_admin:
        tie, message = "admin", _("An administrator's account cannot do a program officer's work (screening, selection, agreements). "
                                  "Sign in with an officer's account.")
    else:
        tie = None if company is None else tie_with(user, company)
        if tie is None:
            return
        message = (_("You are tied to %(company)s (%(tie)s) and cannot take part in %(action)s. Another officer must do it; "
                     "this attempt was recorded.") % {"company": company.name, "tie": tie, "action": label})
    if record:
        audit_record(actor=user, action="duty.refused", target=target, ip=ip,
                     data={"action": action, "tie": tie, "company": getattr(company, "pk", None)})
    raise ConflictOfInterest(message)
