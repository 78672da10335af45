"""Ranking a call's evaluated applications, selecting within the budget, finalizing once,
and appeals against the result."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Max, Min, Q, Sum, Window
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.lifecycle import committed_budget, decision_apply, lock_application, lock_budget
from applications.models import Appeal, Application, Call, EventType, SelectionItem, SelectionRound, State
from applications.services.events import event_record
from portal.duties import first_tied, refuse_if_tied
from portal.formatting import deadline, moment
from portal.limits import reason_text
from portal.models import AuditEvent, Certification, Company, Region
from portal.queue import enqueue_by_name
from portal.services.audit import audit_record
from reviews.models import Assignment, BonusItem, Review, Rubric, Score
from reviews.ranking import Candidate, aggregate_from_sums, rank, select_within_budget

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


def compute_ranking(call: Call, application_ids: set[int] | None = None, *, with_decided: bool = False) -> Ranking:
    """Grouped aggregates in the database (count, sum, highest and lowest total per
    application; per-criterion sums by a plain join, divided exactly; outliers by one window
    query), then the division, bonus and ordering in memory.
    Bonus points read the company's facts as submitted (Application.company_facts).
    A proposal ranks what is still under evaluation; the ranking page and its export
    (`with_decided`) also rank what a final round already decided, so the ranking a decision
    was made from stays readable after it."""
    rubric = Rubric.objects.filter(call=call).first()
    under_review = Application.objects.filter(call=call, state=State.UNDER_REVIEW)
    if with_decided:
        decided = SelectionItem.objects.filter(round__call=call, round__finalized_at__isnull=False).values("application_id")
        under_review = Application.objects.filter(Q(state=State.UNDER_REVIEW) | Q(pk__in=decided), call=call)
    if application_ids is not None:
        under_review = under_review.filter(pk__in=application_ids)
    if rubric is None:  # a new call: without a rubric nothing can have been scored yet
        return Ranking(candidates=[], unscored=list(under_review.order_by("receipt_number").values_list("receipt_number", flat=True)),
                       stray=[])
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
    # Points come from the company's facts frozen at submission, never the live profile.
    for application in under_review.values("pk", "receipt_number", "grant_requested", "company_facts", "state"):
        row = stats.get(application["pk"])
        if row is None:
            if application["state"] == State.UNDER_REVIEW:
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
    if (now or timezone.now()) < call.opens_at:
        return (_("The call has not opened yet: it takes applications from %(opens)s (KST) to %(closes)s (KST), and the selection "
                  "is decided after it closes.") % {"opens": moment(call.opens_at), "closes": deadline(call.closes_at)})
    if (now or timezone.now()) < call.closes_at:
        return (_("The call is still open until %(time)s (KST): the selection is decided after it closes.")
                % {"time": deadline(call.closes_at)})
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
        # A proposal within what is left now; finalizing checks it again under the same lock.
        lock_budget(call.pk)
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

    if SelectionItem.objects.filter(round__call=call, round__finalized_at__isnull=False, applied_at__isnull=True,
                                    application__state=State.UNDER_REVIEW).exists():
        raise ValidationError(_("The final selection is still being applied to the applications; try again in a minute."),
                              code="applying")
    return set(Appeal.objects.filter(application__call=call, application__state=State.UNDER_REVIEW, outcome=Appeal.Outcome.REREVIEW)
               .values_list("application_id", flat=True))


def _selected_total(selection: SelectionRound) -> int:
    return selection.items.filter(decision=SelectionItem.Decision.SELECTED).aggregate(total=Sum("grant"))["total"] or 0


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
        raise ValidationError(_("The selection was finalized; it can no longer change."), code="final")
    if decision not in SelectionItem.Decision.values:
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


def finalize_problems(selection: SelectionRound, now: datetime.datetime | None = None) -> list[str]:
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
    if selection.kind == SelectionRound.Kind.INITIAL:
        # The first round decides the whole call: an application under evaluation left out of
        # the proposal (no reviewer yet, no score) would be left without a decision for good.
        left_out = list(Application.objects.filter(call=selection.call, state=State.UNDER_REVIEW)
                        .exclude(pk__in=selection.items.values("application_id")).order_by("receipt_number")
                        .values_list("receipt_number", flat=True)[:6])
        if left_out:
            problems.append(_("%(receipts)s under evaluation are not in this proposal (no review scored yet), and a final selection "
                              "would leave them without a decision: assign reviewers, wait for their scores, then run the selection again.")
                            % {"receipts": ", ".join(left_out[:5]) + (" …" if len(left_out) > 5 else "")})
    return problems


def proposal_digest(selection: SelectionRound) -> str:
    """A fingerprint of the proposal as a page shows it (each item's decision and grant): the
    page sends it back with the confirmation, so a proposal changed by another officer after
    the page was shown is not finalized unseen."""
    items = selection.items.order_by("pk").values_list("pk", "decision", "grant")
    return hashlib.sha256(repr(list(items)).encode()).hexdigest()[:32]


def selection_finalize(*, user, round_id: int, confirmed: bool = True, seen_proposal: str | None = None, ip: str | None = None,
                       now: datetime.datetime | None = None) -> SelectionRound:
    """Finalize once: the round row is locked and a partial unique index allows one final
    first round per call, so two officers pressing together finalize it once. The
    applications' transitions and notices are applied by a Celery task (idempotent), queued
    on commit. Nobody tied to one of the round's companies finalizes it. From a page,
    `seen_proposal` is the proposal's digest as it was shown: a proposal adjusted since is
    refused, nothing finalized."""
    selection = SelectionRound.objects.select_related("call").get(pk=round_id)
    _refuse_if_tied(user, selection.call, application_ids=selection.items.values("application_id"), ip=ip)
    try:
        with transaction.atomic():
            if selection.kind == SelectionRound.Kind.REDECISION:
                lock_budget(selection.call_id)  # the call's budget authority, before the round (lock order)
            selection = SelectionRound.objects.select_for_update().select_related("call").get(pk=round_id)
            # Then the call (round → call, the documented order): a budget edit (calls.call_update)
            # locks it too, so the budget read below cannot be cut before this commits.
            call = Call.objects.select_for_update().get(pk=selection.call_id)
            _require_officer(user, selection.call)
            if selection.finalized_at:
                raise ValidationError(_("This selection was finalized already."), code="final")
            if seen_proposal is not None and seen_proposal != proposal_digest(selection):
                raise ValidationError(_("The proposal was changed after this page was shown. Nothing was finalized; "
                                        "look at the proposal again and confirm what it says now."), code="stale")
            problems = finalize_problems(selection, now)
            if problems:
                raise ValidationError(problems, code="not_ready")
            if not confirmed:
                raise ValidationError(_("Tick the box to confirm: a final selection cannot be undone."), code="unconfirmed")
            total = _selected_total(selection)
            if total > selection.budget:
                raise ValidationError(_("The selected grants total %(total)s, over the budget of %(budget)s.")
                                      % {"total": f"{total:,}원", "budget": f"{selection.budget:,}원"}, code="over_budget")
            _refuse_stale_budget(selection, total, budget=call.budget_total)
            selection.finalized_at = timezone.now()
            selection.finalized_by = user
            selection.save(update_fields=["finalized_at", "finalized_by"])
            audit_record(actor=user, action="selection.finalized", target=selection.call, ip=ip,
                         data={"round": selection.pk, "selected_total": total})
            transaction.on_commit(lambda: _queue_apply(selection.pk), robust=True)
    except IntegrityError:
        raise ValidationError(_("Another officer finalized this call's selection a moment ago."), code="final") from None
    return selection


def _refuse_stale_budget(selection: SelectionRound, total: int, *, budget: int) -> None:
    """A round was proposed within the budget as it stood then; since, the budget may have
    been cut, or (for a re-decision round) a place offered or accepted. Under the locks,
    what it selects must fit what is left now of `budget`, the call's budget read locked."""
    remaining = budget - committed_budget(selection.call)
    if total > remaining:
        raise ValidationError(_("The selected grants total %(total)s, but only %(remaining)s of the budget is left now: "
                                "the budget was changed, or a place offered or taken, since this proposal was made. Nothing was finalized; "
                                "change the proposal or run the selection again.")
                              % {"total": f"{total:,}원", "remaining": f"{max(remaining, 0):,}원"}, code="over_budget")


def _queue_apply(round_id: int) -> None:
    enqueue_by_name("reviews.tasks.apply_selection", round_id)  # else the beat job picks unapplied rounds up


def selection_apply(*, round_id: int) -> int:
    """Move each application of a finalized round to its decision, in rank order, through
    the life cycle. Safe to run again: each decision is applied once. Each decision takes
    the call's budget lock; until the last is applied the offer of freed places waits
    (lifecycle.round_being_applied), and the decided but unapplied grants count as spent."""

    items = SelectionItem.objects.filter(round_id=round_id, round__finalized_at__isnull=False, applied_at__isnull=True,
                                         application__state=State.UNDER_REVIEW).order_by("rank")
    applied = 0
    for item_id in list(items.values_list("pk", flat=True)):
        try:
            applied += decision_apply(item_id=item_id)
        except ValidationError as exc:
            # The last line of defence refused one decision (its grant no longer fits): the
            # others are applied and announced all the same; this one waits, its grant still
            # counted as spent and offers held back, and the officer is told on the ranking page.
            _record_refused_decision(item_id, exc)
    return applied


def _record_refused_decision(item_id: int, exc: ValidationError) -> None:
    item = SelectionItem.objects.select_related("round__call").get(pk=item_id)
    already = AuditEvent.objects.filter(action="selection.apply_refused", target_type="applications.call", target_id=str(item.round.call_id),
                                        data__item=item_id).exists()
    if not already:
        audit_record(actor=None, action="selection.apply_refused", target=item.round.call,
                     data={"item": item_id, "round": item.round_id, "reason": exc.messages[0]})


def refused_decisions(call: Call) -> list[SelectionItem]:
    """Decisions of the call's final rounds that the worker could not apply (see selection_apply)."""
    ids = [data["item"] for data in AuditEvent.objects.filter(action="selection.apply_refused", target_type="applications.call",
                                                               target_id=str(call.pk)).values_list("data", flat=True)]
    return list(SelectionItem.objects.filter(pk__in=ids, applied_at__isnull=True, application__state=State.UNDER_REVIEW)
                .select_related("application"))


@dataclass(frozen=True, slots=True)
class SelectionBudget:
    """The selection's one budget figure, 배정되지 않은 예산 (`unallocated`), and what it is made of."""

    budget: int
    committed: int

    @property
    def unallocated(self) -> int:
        return self.budget - self.committed


def selection_budget(selection_round: SelectionRound) -> SelectionBudget:
    """Before the round is final: its budget less the grants its proposal selects. Once final:
    the call's budget less what selected, offered and contracted applications hold now, so a
    withdrawal frees its grant at once (lifecycle.committed_budget)."""
    if selection_round.finalized_at is None:
        proposed = selection_round.items.filter(decision=SelectionItem.Decision.SELECTED).aggregate(total=Sum("grant"))["total"]
        return SelectionBudget(budget=selection_round.budget, committed=proposed or 0)
    return SelectionBudget(budget=selection_round.call.budget_total, committed=committed_budget(selection_round.call))


