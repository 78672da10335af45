"""Setting up an evaluation: the rubric, panels, reviewers, assignments and conflicts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from applications.lifecycle import lock_application, runner
from applications.models import Application, Call, EventType, State
from applications.services.events import event_record
from portal.duties import first_tied, refuse_if_tied
from portal.formatting import plain_number
from portal.limits import reason_text
from portal.models import Company, CompanyMembership, StaffTie, User
from portal.services.audit import audit_record
from portal.services.outbox import email_enqueue_rendered
from reviews.models import Assignment, BonusItem, Criterion, Panel, PanelMember, ReviewerProfile, Rubric
from reviews.selectors import assignment_for_reviewer


def rubric_for(call: Call) -> Rubric:
    rubric, _created = Rubric.objects.get_or_create(call=call)
    return rubric


def _refuse_if_locked(rubric: Rubric) -> None:
    if rubric.is_locked:
        raise ValidationError(_("Reviewing has started: the rubric is fixed."), code="locked")


@transaction.atomic
def rubric_update(*, user: User, rubric: Rubric, data: dict) -> Rubric:
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    _refuse_if_locked(rubric)
    for field, value in data.items():
        setattr(rubric, field, value)
    rubric.full_clean()
    rubric.save()
    audit_record(actor=user, action="rubric.updated", target=rubric.call, data={k: str(v) for k, v in data.items()})
    return rubric


@transaction.atomic
def criterion_add(*, user: User, rubric: Rubric, data: dict) -> Criterion:
    _refuse_if_locked(rubric)
    criterion = Criterion.objects.create(rubric=rubric, order=rubric.criteria.count(), **data)
    audit_record(actor=user, action="rubric.criterion_added", target=rubric.call, data={"name": criterion.name_ko})
    return criterion


@transaction.atomic
def criterion_update(*, user: User, rubric: Rubric, criterion_id: int, data: dict) -> Criterion:
    """Change a criterion's names, description, maximum or weight while the rubric is not locked."""
    _refuse_if_locked(rubric)
    criterion = Criterion.objects.select_for_update().get(rubric=rubric, pk=criterion_id)
    for name, value in data.items():
        setattr(criterion, name, value)
    criterion.save(update_fields=list(data))
    audit_record(actor=user, action="rubric.criterion_changed", target=rubric.call, data={"name": criterion.name_ko})
    return criterion


@transaction.atomic
def criterion_delete(*, user: User, rubric: Rubric, criterion_id: int) -> None:
    _refuse_if_locked(rubric)
    Criterion.objects.filter(rubric=rubric, pk=criterion_id).delete()
    rubric.tie_break = [c for c in rubric.tie_break if c != criterion_id]
    rubric.save(update_fields=["tie_break"])


@transaction.atomic
def bonus_add(*, user: User, rubric: Rubric, data: dict) -> BonusItem:
    _refuse_if_locked(rubric)
    return BonusItem.objects.create(rubric=rubric, **data)


def rubric_problems(rubric: Rubric) -> list[str]:
    criteria = list(rubric.criteria.all())
    problems = []
    if not criteria:
        problems.append(_("Add the rubric's criteria."))
    weights = sum((c.weight for c in criteria), Decimal(0))
    if criteria and weights != Decimal(100):
        problems.append(_("The criteria's weights add up to %(sum)s; they must add up to 100.") % {"sum": plain_number(weights)})
    return problems


def _lock(rubric: Rubric) -> None:
    """Reviewing starts with the first assignment: from then on the rubric is fixed."""
    problems = rubric_problems(rubric)
    if problems:
        raise ValidationError(problems[0], code="rubric_incomplete")
    if rubric.locked_at is None:
        Rubric.objects.filter(pk=rubric.pk, locked_at__isnull=True).update(locked_at=timezone.now())
        rubric.locked_at = timezone.now()


@transaction.atomic
def panel_create(*, user: User, call: Call, name: str, stage: str, reviewers_per_application: int, due_at: datetime.datetime) -> Panel:
    if due_at <= timezone.now():
        raise ValidationError(_("The reviews' due time must be in the future."), code="past")
    panel = Panel.objects.create(call=call, name=name, stage=stage, reviewers_per_application=reviewers_per_application, due_at=due_at)
    audit_record(actor=user, action="panel.created", target=call, data={"panel": panel.pk, "name": name})
    return panel


def _companies_of_panel(panel: Panel):
    return Company.objects.filter(applications__assignments__panel=panel)


def panel_extend(*, user: User, panel: Panel, due_at: datetime.datetime, reason: str, ip: str | None = None) -> Panel:
    """Give the reviewers more time: a later due time, with the reason recorded. Reviews are
    refused after the due time (reviews.services.scoring.review_save) unless it is extended.
    Never by an officer tied to a company the panel evaluates (portal/duties.py)."""
    reason = reason_text(reason, what=_("why the due time is extended"))
    refuse_if_tied(user, first_tied(user, _companies_of_panel(panel)), action="extend", target=panel.call, ip=ip)
    return _panel_extend(user=user, panel=panel, due_at=due_at, reason=reason, ip=ip)


@transaction.atomic
def _panel_extend(*, user: User, panel: Panel, due_at: datetime.datetime, reason: str, ip: str | None) -> Panel:
    panel = Panel.objects.select_for_update().select_related("call").get(pk=panel.pk)
    if not user.has_perm("reviews.manage_evaluation", panel.call):
        raise PermissionDenied(_("Only the program's officers run its evaluation."))
    if due_at <= max(panel.due_at, timezone.now()):
        raise ValidationError(_("The new due time must be later than both the current one and now."), code="not_later")
    before = panel.due_at
    panel.due_at = due_at
    panel.save(update_fields=["due_at"])
    audit_record(actor=user, action="panel.extended", target=panel.call, ip=ip,
                 data={"panel": panel.pk, "from": before.isoformat(), "to": due_at.isoformat(), "reason": reason})
    return panel


@transaction.atomic
def reviewer_invite(*, user: User, panel: Panel, email: str, name: str = "") -> PanelMember:
    """Add an outside expert to the panel. A new person gets an account, a link to choose a
    password, and must set up two-factor authentication before reviewing."""
    email = email.strip().lower()
    reviewer, created = User.objects.get_or_create(email=email, defaults={"name": name})
    if created:
        reviewer.set_unusable_password()
        reviewer.save(update_fields=["password"])
        EmailAddress.objects.create(user=reviewer, email=email, verified=True, primary=True)
    ReviewerProfile.objects.get_or_create(user=reviewer)
    member, new = PanelMember.objects.get_or_create(panel=panel, reviewer=reviewer)
    if new:
        email_enqueue_rendered(
            template_prefix="reviews/email/invited",
            context={"panel": panel, "call": panel.call, "new_account": created,
                     "reset_url": settings.SITE_URL + reverse("account_reset_password"),
                     "login_url": settings.SITE_URL + reverse("account_login")},
            to=[email], reply_to=[panel.call.contact_email],
        )
        audit_record(actor=user, action="panel.reviewer_invited", target=panel.call, data={"panel": panel.pk, "reviewer": reviewer.pk})
    return member


class ConflictIndex:
    """Known ties between reviewers and companies, loaded once: membership in the company,
    or a recorded tie (employee, adviser, supplier, owner) by business number."""

    def __init__(self, reviewer_ids) -> None:
        reviewer_ids = list(reviewer_ids)
        self.memberships = set(CompanyMembership.objects.filter(user_id__in=reviewer_ids).values_list("user_id", "company_id"))
        self.ties = set(StaffTie.objects.filter(person_id__in=reviewer_ids).values_list("person_id", "business_number"))

    def tied(self, reviewer_id: int, application: Application) -> bool:
        return (reviewer_id, application.company_id) in self.memberships or (
            (reviewer_id, application.company.business_number) in self.ties
        )


def _assignable(call: Call):
    return Application.objects.filter(call=call, state=State.UNDER_REVIEW).select_related("company").order_by("receipt_number")


def assign(*, user: User, panel: Panel, application: Application, reviewer: User) -> Assignment:
    refuse_if_tied(user, application.company, action="assign", target=application)
    return _assign(user=user, panel=panel, application=application, reviewer=reviewer)


@transaction.atomic
def _assign(*, user: User, panel: Panel, application: Application, reviewer: User) -> Assignment:
    if not PanelMember.objects.filter(panel=panel, reviewer=reviewer).exists():
        raise ValidationError(_("This person is not a member of the panel."), code="not_member")
    # The reviewer's row, as leaving the portal locks it: an assignment and a departure do not cross.
    if not User.objects.select_for_update().filter(pk=reviewer.pk, is_active=True, left_at__isnull=True).exists():
        raise ValidationError(_("This person has left the portal and can no longer be assigned."), code="left")
    if application.call_id != panel.call_id or application.state != State.UNDER_REVIEW:
        raise ValidationError(_("Only applications under evaluation in this call can be assigned."), code="not_under_review")
    if ConflictIndex([reviewer.pk]).tied(reviewer.pk, application):
        raise ValidationError(_("%(reviewer)s has a known tie with %(company)s and cannot review it.")
                              % {"reviewer": reviewer, "company": application.company.name}, code="conflict")
    _lock(panel.call.rubric)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(panel=panel, application=application, reviewer=reviewer, assigned_by=user)
    except IntegrityError:
        raise ValidationError(_("This reviewer is already assigned to this application."), code="duplicate") from None
    event_record(application=lock_application(application.pk), actor=user, action=EventType.REVIEWER_ASSIGNED,
                 data={"reviewer": reviewer.pk, "panel": panel.pk, "assignment": assignment.pk})
    return assignment


def _companies_assignable(call: Call):
    return Company.objects.filter(applications__call=call, applications__state=State.UNDER_REVIEW)


def auto_assign(*, user: User, panel: Panel, ip: str | None = None) -> tuple[int, list[str]]:
    """Give every application under evaluation the panel's number of reviewers: the least
    loaded members first, never one with a known tie, never the same person twice. An
    officer tied to any of the companies leaves the whole panel to another officer, as with
    a selection (portal/duties.py)."""
    refuse_if_tied(user, first_tied(user, _companies_assignable(panel.call)), action="assign_panel", target=panel.call, ip=ip)
    return _auto_assign(user=user, panel=panel)


@transaction.atomic
def _auto_assign(*, user: User, panel: Panel) -> tuple[int, list[str]]:
    panel = Panel.objects.select_for_update().select_related("call").get(pk=panel.pk)
    # Again under the panel's lock: an application may have come under evaluation since.
    refuse_if_tied(user, first_tied(user, _companies_assignable(panel.call)), action="assign_panel", target=panel.call, record=False)
    _lock(panel.call.rubric)
    # The members' rows locked in id order, as leaving the portal locks a person's: nobody
    # leaves while being assigned, and nobody who left is assigned.
    reviewer_ids = list(User.objects.select_for_update().filter(pk__in=panel.members.values("reviewer_id"), is_active=True,
                                                                 left_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    if not reviewer_ids:
        raise ValidationError(_("Invite reviewers to the panel first."), code="no_reviewers")
    conflicts = ConflictIndex(reviewer_ids)
    existing = defaultdict(set)
    load = dict.fromkeys(reviewer_ids, 0)
    for application_id, reviewer_id, status in panel.assignments.values_list("application_id", "reviewer_id", "status"):
        existing[application_id].add(reviewer_id)
        if status != Assignment.Status.CONFLICT and reviewer_id in load:
            load[reviewer_id] += 1
    active = defaultdict(int)
    for application_id, status in panel.assignments.values_list("application_id", "status"):
        if status != Assignment.Status.CONFLICT:
            active[application_id] += 1
    new = []
    short = []
    for application in _assignable(panel.call):
        needed = panel.reviewers_per_application - active[application.pk]
        candidates = sorted(
            (r for r in reviewer_ids if r not in existing[application.pk] and not conflicts.tied(r, application)),
            key=lambda r: (load[r], r),
        )
        for reviewer_id in candidates[:max(needed, 0)]:
            new.append(Assignment(panel=panel, application=application, reviewer_id=reviewer_id, assigned_by=user))
            load[reviewer_id] += 1
        if needed > len(candidates):
            short.append(application.receipt_number)
    Assignment.objects.bulk_create(new, batch_size=2000)
    # Each application's timeline tells its assignments; rows locked in id order.
    by_application = defaultdict(list)
    for assignment in new:
        by_application[assignment.application_id].append(assignment.reviewer_id)
    for application in Application.objects.select_for_update(of=("self",)).filter(pk__in=list(by_application)).order_by("pk"):
        event_record(application=application, actor=user, action=EventType.REVIEWER_ASSIGNED,
                     data={"reviewers": by_application[application.pk], "panel": panel.pk})
    audit_record(actor=user, action="assignment.auto", target=panel.call, data={"panel": panel.pk, "created": len(new), "short": short[:50]})
    # Receipt numbers of the applications still short of reviewers (not enough untied members).
    return len(new), short


def assignment_for_change(user: User, assignment_id: int) -> Assignment:
    """The reviewer's assignment locked for a change, its application locked first (lock
    order: application → its rows), since the change is told in the application's timeline."""
    application_id = assignment_for_reviewer(user, assignment_id).application_id
    lock_application(application_id)
    return assignment_for_reviewer(user, assignment_id, for_update=True)


@transaction.atomic
def declare_no_conflict(*, user: User, assignment_id: int, ip: str | None = None) -> Assignment:
    assignment = assignment_for_change(user, assignment_id)
    if assignment.status == Assignment.Status.ASSIGNED:
        step = runner.begin(assignment, "clear", user)
        step.apply()
        assignment.declared_at = timezone.now()
        step.finish(ip=ip)
    return assignment


@transaction.atomic
def declare_conflict(*, user: User, assignment_id: int, reason: str, ip: str | None = None) -> Assignment:
    reason = reason_text(reason, what=_("what the conflict is"))
    assignment = assignment_for_change(user, assignment_id)
    if assignment.status not in (Assignment.Status.ASSIGNED, Assignment.Status.CLEARED):
        raise ValidationError(_("A submitted review cannot be withdrawn this way; ask the officer."), code="submitted")
    step = runner.begin(assignment, "declare_conflict", user)
    step.apply()
    assignment.conflict_reason = reason
    assignment.declared_at = timezone.now()
    StaffTie.objects.get_or_create(person=user, business_number=assignment.application.company.business_number,
                                   kind=StaffTie.Kind.OTHER, defaults={"note": Truncator(reason).chars(300), "recorded_by": user})
    step.finish(ip=ip, message=reason)
    officers = list(assignment.panel.call.program.officer_links.values_list("user__email", flat=True))
    if officers:
        email_enqueue_rendered(template_prefix="reviews/email/conflict_declared",
                                context={"assignment": assignment, "panel": assignment.panel,
                                         "url": settings.SITE_URL + reverse("officer_panel", args=[assignment.panel_id])},
                                to=officers)
    return assignment


def tie_record(*, user: User, reviewer: User, business_number: str, kind: str, note: str = "", ip: str | None = None) -> StaffTie:
    """A tie of a panel member recorded by the officer, or a person's own tie (reviews/views/ties.py).
    A tie moves assignments, so an officer tied to the company cannot record one for someone
    else; declaring one's own only ever keeps oneself away and is always allowed."""
    if reviewer != user:
        tied = first_tied(user, Company.objects.filter(business_number=business_number))
        if tied is not None:
            # The application of that company the officer manages names the program the permission is judged on.
            target = (Application.objects.filter(company=tied, call__program__officer_links__user=user)
                      .select_related("call__program").order_by("-pk").first())
            refuse_if_tied(user, tied, action="tie", target=target, ip=ip)
    return _tie_record(user=user, reviewer=reviewer, business_number=business_number, kind=kind, note=note, ip=ip)


@transaction.atomic
def _tie_record(*, user: User, reviewer: User, business_number: str, kind: str, note: str, ip: str | None) -> StaffTie:
    # A tie found after assignment removes the assignment too: each one under its
    # application's lock (the lock order: application → its rows, then the tie, as a
    # reviewer's own declaration takes them), moved by its machine, told in its timeline.
    open_assignments = Assignment.objects.filter(reviewer=reviewer, application__company__business_number=business_number,
                                                 status__in=[Assignment.Status.ASSIGNED, Assignment.Status.CLEARED])
    for application_id, assignment_id in open_assignments.order_by("application_id", "pk").values_list("application_id", "pk"):
        lock_application(application_id)
        assignment = Assignment.objects.select_for_update(of=("self",)).select_related("application").get(pk=assignment_id)
        if assignment.status not in (Assignment.Status.ASSIGNED, Assignment.Status.CLEARED):
            continue  # submitted or waived meanwhile
        step = runner.begin(assignment, "record_tie", None)
        step.user = user
        step.apply()
        assignment.conflict_reason = note or str(StaffTie.Kind(kind).label)
        assignment.declared_at = timezone.now()
        step.finish(ip=ip, message=assignment.conflict_reason, data={"tie": kind})
    tie, _created = StaffTie.objects.get_or_create(person=reviewer, business_number=business_number, kind=kind,
                                                   defaults={"note": note, "recorded_by": user})
    audit_record(actor=user, action="reviewer.tie_recorded", target=reviewer, ip=ip, data={"business_number": business_number, "kind": kind})
    return tie



def assignment_waive(*, user: User, assignment_id: int, reason: str, ip: str | None = None) -> Assignment:
    """The officer decides without this review (the reviewer fell ill, cannot be reached);
    the reason goes into the application's timeline. Only an unscored review is waived."""
    reason = reason_text(reason, what=_("why the review is waived"))
    application = Application.objects.select_related("company").get(assignments__pk=assignment_id)
    refuse_if_tied(user, application.company, action="assign", target=application, ip=ip)
    return _assignment_waive(user=user, assignment_id=assignment_id, reason=reason, ip=ip)


@transaction.atomic
def _assignment_waive(*, user: User, assignment_id: int, reason: str, ip: str | None) -> Assignment:
    application_id = Assignment.objects.values_list("application_id", flat=True).get(pk=assignment_id)
    application = lock_application(application_id)
    assignment = Assignment.objects.select_for_update().select_related("panel__call").get(pk=assignment_id)
    if not user.has_perm("reviews.manage_evaluation", assignment.panel.call):
        raise PermissionDenied(_("Only the program's officers run its evaluation."))
    if assignment.status not in (Assignment.Status.ASSIGNED, Assignment.Status.CLEARED):
        raise ValidationError(_("Only a review that is not scored yet can be waived."), code="not_pending")
    assignment.application = application
    step = runner.begin(assignment, "waive", user)
    step.apply()
    assignment.waive_reason = reason
    step.finish(ip=ip, message=reason)
    return assignment
