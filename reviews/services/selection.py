"""Ranking a call's evaluated applications, selecting within the budget, finalising once,
and appeals against the result."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Max, Min, Sum, Window
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Call, EventType, State
from applications.services.events import event_record
from applications.services.lifecycle import lock_application
from portal.duties import first_tied, refuse_if_tied
from portal.limits import reason_text
from portal.models import Certification, Company, Region
from portal.queue import enqueue
from portal.services.audit import audit_record
from reviews.models import Assignment, BonusItem, Review, Rubric, Score, SelectionItem, SelectionRound
from reviews.ranking import REJECTED, SELECTED, WAITLISTED, Candidate, aggregate_from_sums, rank, select_within_budget

CERTIFIED = {Certification.VENTURE, Certification.INNOBIZ, Certification.RESEARCH_INSTITUTE}


@dataclass
class Ranking:
    candidates: list[Candidate]
    unscored: list[str]  # receipt numbers under evaluation with no submitted review
    stray: list[tuple[int, int, Decimal, Decimal]]  # (application id, reviewer id, total, mean)


def _bonus(rubric: Rubric, items: list[BonusItem], region: str, certifications: list[str]) -> Decimal:
    points = Decimal(0)
    for item in items:
        if item.source == BonusItem.Source.NON_CAPITAL_REGION and region not in Region.capital_area():
            points += item.points
        elif item.source == BonusItem.Source.CERTIFICATION and CERTIFIED & set(certifications):
            points += item.points
    return min(points, rubric.max_bonus)


def compute_ranking(call: Call, application_ids: set[int] | None = None) -> Ranking:
    """Grouped aggregates in the database (count, sum, highest and lowest total per
    application; per-criterion sums by a plain join, divided exactly; outliers by one window
    query), then the division, bonus and ordering in memory.
    Bonus points read the company's facts as submitted (Application.company_facts)."""
    rubric = call.rubric
    reviews = Review.objects.filter(status=Review.Status.SUBMITTED, assignment__panel__call=call,
                                    assignment__status="submitted")
    stats = {
        row["assignment__application"]: row
        for row in reviews.values("assignment__application").annotate(n=Count("pk"), s=Sum("total"), hi=Max("total"), lo=Min("total"))
    }
    means = criterion_means(call)
    items = list(rubric.bonus_items.all())
    trimmed = rubric.aggregation == Rubric.Aggregation.TRIMMED
    candidates, unscored = [], []
    under_review = Application.objects.filter(call=call, state=State.UNDER_REVIEW)
    if application_ids is not None:
        under_review = under_review.filter(pk__in=application_ids)
    # Points come from the company's facts frozen at submission, never the live profile.
    for application in under_review.values("pk", "receipt_number", "grant_requested", "company_facts"):
        row = stats.get(application["pk"])
        if row is None:
            unscored.append(application["receipt_number"])
            continue
        n, total, high, low = row["n"], Decimal(str(row["s"])), Decimal(str(row["hi"])), Decimal(str(row["lo"]))
        aggregated = aggregate_from_sums(n=n, total=total, high=high, low=low, trimmed=trimmed, trim_min=rubric.trim_min_reviewers)
        candidates.append(Candidate(
            application_id=application["pk"], receipt_number=application["receipt_number"], aggregated=aggregated,
            bonus=_bonus(rubric, items, application["company_facts"].get("region", ""), application["company_facts"].get("certifications") or []),
            grant=application["grant_requested"], reviews=n, criterion_means=means.get(application["pk"], {}),
        ))
    ranked = rank(candidates, tie_break=[int(c) for c in rubric.tie_break])
    return Ranking(candidates=ranked, unscored=unscored, stray=_stray(reviews, rubric))


def _submitted_scores(call: Call):
    return Score.objects.filter(review__status=Review.Status.SUBMITTED, review__assignment__panel__call=call,
                                review__assignment__status="submitted")


def criterion_means(call: Call) -> dict[int, dict[int, Decimal]]:
    """Each application's mean per criterion: exact decimal sums and counts over a plain join
    (score → review → assignment → panel), divided here and rounded to 0.001 — no AVG in
    floating point and no NOT EXISTS over the reviews."""
    means: dict[int, dict[int, Decimal]] = defaultdict(dict)
    rows = (_submitted_scores(call).values_list("review__assignment__application", "criterion")
            .annotate(total=Sum("value"), n=Count("pk")).order_by())
    for application_id, criterion_id, total, n in rows.iterator(chunk_size=10_000):
        means[application_id][criterion_id] = (Decimal(total) / n).quantize(Decimal("0.001"))
    return means


def _stray(reviews, rubric: Rubric) -> list[tuple[int, int, Decimal, Decimal]]:
    """Reviews whose total is more than the rubric's stray points from their application's
    mean, with at least two reviews: one window query, only the flagged rows leave the database."""
    window = {"partition_by": [F("assignment__application")]}
    rows = (reviews.annotate(mean=Window(Avg("total"), **window), reviewers=Window(Count("pk"), **window))
            .annotate(gap=Abs(F("total") - F("mean")))
            .filter(reviewers__gte=2, gap__gt=rubric.stray_points)
            .order_by("assignment__application", "assignment__reviewer")
            .values_list("assignment__application", "assignment__reviewer", "total", "mean"))
    return [(application_id, reviewer_id, total, Decimal(mean).quantize(Decimal("0.001")))
            for application_id, reviewer_id, total, mean in rows]


def _require_officer(user, call: Call) -> None:
    if not user.has_perm("reviews.manage_evaluation", call):
        raise PermissionDenied(_("Only the program's officers decide the selection."))


def _refuse_if_tied(user, call: Call, *, application_ids=None, ip: str | None = None, record: bool = True) -> None:
    """Nobody decides a selection that includes a company they are tied to (portal/duties.py):
    the whole round goes to another officer."""
    companies = Company.objects.filter(applications__call=call, applications__state=State.UNDER_REVIEW)
    if application_ids is not None:
        companies = Company.objects.filter(applications__pk__in=application_ids)
    refuse_if_tied(user, first_tied(user, companies), action="select", target=call, ip=ip, record=record)


def closing_problem(call: Call, now: datetime.datetime | None = None) -> str | None:
    if (now or timezone.now()) < call.closes_at:
        return (_("The call is still open until %(time)s (KST): the selection is decided after it closes.")
                % {"time": timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")})
    return None


def pending_assignments(call: Call, application_ids=None):
    """Assignments of the call's applications under evaluation that are neither scored,
    nor declared a conflict, nor waived by the officer with a reason."""
    pending = Assignment.objects.filter(panel__call=call, application__state=State.UNDER_REVIEW,
                                        status__in=[Assignment.Status.ASSIGNED, Assignment.Status.CLEARED])
    return pending if application_ids is None else pending.filter(application_id__in=application_ids)


def selection_run(*, user, call: Call, now: datetime.datetime | None = None) -> SelectionRound:
    """Propose a decision for every application under evaluation: the call's first
    selection, or — once that is final — a re-decision of the applications evaluated again
    after an upheld appeal, within what the budget has left."""
    _refuse_if_tied(user, call)
    return _selection_run(user=user, call=call, now=now)


@transaction.atomic
def _selection_run(*, user, call: Call, now: datetime.datetime | None) -> SelectionRound:
    _require_officer(user, call)
    problem = closing_problem(call, now)
    if problem:
        raise ValidationError(problem, code="open")
    initial = SelectionRound.objects.filter(call=call, kind=SelectionRound.Kind.INITIAL, finalized_at__isnull=False).first()
    only = None if initial is None else _redecidable(call)
    ranking = compute_ranking(call, only)
    if ranking.unscored:
        raise ValidationError(_("%(n)d applications under evaluation have no submitted review yet (e.g. %(first)s).")
                              % {"n": len(ranking.unscored), "first": ranking.unscored[0]}, code="unscored")
    if not ranking.candidates:
        raise ValidationError(_("No application is waiting for a decision."), code="empty")
    if initial is None:
        kind, budget = SelectionRound.Kind.INITIAL, call.budget_total
    else:
        from applications.services.lifecycle import committed_budget

        kind, budget = SelectionRound.Kind.REDECISION, max(call.budget_total - committed_budget(call), 0)
    decisions = select_within_budget(ranking.candidates, budget=budget, cutoff=call.rubric.cutoff)
    selection = SelectionRound.objects.create(call=call, kind=kind, budget=budget, created_by=user)
    SelectionItem.objects.bulk_create([
        SelectionItem(round=selection, application_id=c.application_id, rank=c.rank, aggregated=c.aggregated, bonus=c.bonus,
                      final=c.final, reviews=c.reviews, grant=c.grant, decision=d, proposed_decision=d,
                      breakdown={str(k): str(v) for k, v in c.criterion_means.items()})
        for c, d in decisions
    ], batch_size=2000)
    audit_record(actor=user, action="selection.run", target=call, data={"round": selection.pk, "kind": kind})
    return selection


def _redecidable(call: Call) -> set[int]:
    """The applications a re-decision round decides: under evaluation again because an
    appeal against their applied decision was upheld — never one whose first decision is
    still being applied."""
    from reviews.models import Appeal

    if SelectionItem.objects.filter(round__call=call, round__finalized_at__isnull=False, applied_at__isnull=True,
                                    application__state=State.UNDER_REVIEW).exists():
        raise ValidationError(_("The final selection is still being applied to the applications; try again in a minute."),
                              code="applying")
    return set(Appeal.objects.filter(application__call=call, application__state=State.UNDER_REVIEW, outcome=Appeal.Outcome.REREVIEW)
               .values_list("application_id", flat=True))


def _selected_total(selection: SelectionRound) -> int:
    return selection.items.filter(decision=SELECTED).aggregate(total=Sum("grant"))["total"] or 0


def item_override(*, user, item_id: int, decision: str, grant: int, reason: str) -> SelectionItem:
    item = SelectionItem.objects.select_related("round__call").get(pk=item_id)
    _refuse_if_tied(user, item.round.call, application_ids=item.round.items.values("application_id"))
    return _item_override(user=user, item_id=item_id, decision=decision, grant=grant, reason=reason)


@transaction.atomic
def _item_override(*, user, item_id: int, decision: str, grant: int, reason: str) -> SelectionItem:
    # The round's row lock serialises changes to one proposal, so two officers selecting
    # at once cannot together go over the budget that each checked alone.
    # Lock order as in the life cycle: round → application → item.
    round_id, application_id = SelectionItem.objects.values_list("round_id", "application_id").get(pk=item_id)
    SelectionRound.objects.select_for_update().get(pk=round_id)
    application = lock_application(application_id)
    item = SelectionItem.objects.select_for_update(of=("self",)).select_related("round__call", "application").get(pk=item_id)
    selection = item.round
    _require_officer(user, selection.call)
    if selection.finalized_at:
        raise ValidationError(_("The selection was finalised; it can no longer change."), code="final")
    if decision not in (SELECTED, WAITLISTED, REJECTED):
        raise ValidationError(_("Choose selected, waitlisted or not selected."), code="decision")
    if grant <= 0 or grant > item.application.grant_requested:
        raise ValidationError(_("The adjusted grant must be more than 0 and at most the %(requested)s requested.")
                              % {"requested": f"{item.application.grant_requested:,}"}, code="grant")
    reason = reason_text(reason, what=_("the reason for the change"))
    item.decision, item.grant, item.override_reason = decision, grant, reason
    item.save(update_fields=["decision", "grant", "override_reason"])
    if _selected_total(selection) > selection.budget:
        raise ValidationError(_("With this change the selected grants total %(total)s, over the budget of %(budget)s.")
                              % {"total": f"{_selected_total(selection):,}원", "budget": f"{selection.budget:,}원"}, code="over_budget")
    event_record(application=application, actor=user, action=EventType.DECISION_ADJUSTED, message=reason,
                 data={"round": selection.pk, "decision": decision, "grant": grant})
    return item


def finalise_problems(selection: SelectionRound, now: datetime.datetime | None = None) -> list[str]:
    """What stands between this proposal and a final decision: the call must have closed,
    and every review of its applications be scored, declared a conflict or waived."""
    problems = []
    problem = closing_problem(selection.call, now)
    if problem:
        problems.append(problem)
    pending = pending_assignments(selection.call, selection.items.values("application_id"))
    count = pending.count()
    if count:
        first = pending.select_related("application", "reviewer").order_by("application__receipt_number").first()
        problems.append(_("%(n)d reviews are not scored yet (e.g. %(receipt)s by %(reviewer)s): wait for them or waive them with a reason.")
                        % {"n": count, "receipt": first.application.receipt_number, "reviewer": first.reviewer})
    return problems


def selection_finalize(*, user, round_id: int, confirmed: bool = True, ip: str | None = None,
                       now: datetime.datetime | None = None) -> SelectionRound:
    """Finalise once: the round row is locked and a partial unique index allows one final
    first round per call, so two officers pressing together finalise it once. The
    applications' transitions and notices are applied by a Celery task (idempotent), queued
    on commit. Nobody tied to one of the round's companies finalises it."""
    selection = SelectionRound.objects.select_related("call").get(pk=round_id)
    _refuse_if_tied(user, selection.call, application_ids=selection.items.values("application_id"), ip=ip)
    try:
        with transaction.atomic():
            selection = SelectionRound.objects.select_for_update().select_related("call").get(pk=round_id)
            _require_officer(user, selection.call)
            if selection.finalized_at:
                raise ValidationError(_("This selection was finalised already."), code="final")
            problems = finalise_problems(selection, now)
            if problems:
                raise ValidationError(problems, code="not_ready")
            if not confirmed:
                raise ValidationError(_("Tick the box to confirm: a final selection cannot be undone."), code="unconfirmed")
            total = _selected_total(selection)
            if total > selection.budget:
                raise ValidationError(_("The selected grants total %(total)s, over the budget of %(budget)s.")
                                      % {"total": f"{total:,}원", "budget": f"{selection.budget:,}원"}, code="over_budget")
            selection.finalized_at = timezone.now()
            selection.finalized_by = user
            selection.save(update_fields=["finalized_at", "finalized_by"])
            audit_record(actor=user, action="selection.finalized", target=selection.call, ip=ip,
                         data={"round": selection.pk, "selected_total": total})
            transaction.on_commit(lambda: _queue_apply(selection.pk), robust=True)
    except IntegrityError:
        raise ValidationError(_("Another officer finalised this call's selection a moment ago."), code="final") from None
    return selection


def _queue_apply(round_id: int) -> None:
    from reviews.tasks import apply_selection

    enqueue(apply_selection, round_id)  # else the beat job picks unapplied rounds up


def selection_apply(*, round_id: int) -> int:
    """Move each application of a finalised round to its decision, in rank order, through
    the life cycle. Safe to run again: each decision is applied once."""
    from applications.services.lifecycle import decision_apply

    items = SelectionItem.objects.filter(round_id=round_id, round__finalized_at__isnull=False, applied_at__isnull=True,
                                         application__state=State.UNDER_REVIEW).order_by("rank")
    return sum(decision_apply(item_id=item_id) for item_id in list(items.values_list("pk", flat=True)))


def current_item(application: Application) -> SelectionItem | None:
    """The decision the company was last told of (the newest applied one)."""
    return (
        SelectionItem.objects.filter(application=application, applied_at__isnull=False)
        .select_related("round__call__rubric").order_by("-applied_at").first()
    )
