"""Ranking a call's evaluated applications, selecting within the budget, finalising once,
and appeals against the result."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Call, State
from applications.services import workflow
from portal.models import Certification, Region
from portal.services.audit import audit_record
from reviews.models import Appeal, BonusItem, Review, Rubric, SelectionItem, SelectionRound
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


def compute_ranking(call: Call) -> Ranking:
    """Grouped aggregates in the database (count, sum, highest and lowest total per
    application; mean per criterion), then the division, bonus and ordering in memory."""
    rubric = call.rubric
    reviews = Review.objects.filter(status=Review.Status.SUBMITTED, assignment__panel__call=call,
                                    assignment__status="submitted")
    stats = {
        row["assignment__application"]: row
        for row in reviews.values("assignment__application").annotate(n=Count("pk"), s=Sum("total"), hi=Max("total"), lo=Min("total"))
    }
    means: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in (
        reviews.values("assignment__application", "scores__criterion").annotate(avg=Avg("scores__value"))
        .exclude(scores__criterion__isnull=True)
    ):
        means[row["assignment__application"]][row["scores__criterion"]] = Decimal(str(row["avg"])).quantize(Decimal("0.001"))
    items = list(rubric.bonus_items.all())
    trimmed = rubric.aggregation == Rubric.Aggregation.TRIMMED
    candidates, unscored = [], []
    for application in (
        Application.objects.filter(call=call, state=State.UNDER_REVIEW)
        .values("pk", "receipt_number", "grant_requested", "company__region", "company__certifications")
    ):
        row = stats.get(application["pk"])
        if row is None:
            unscored.append(application["receipt_number"])
            continue
        n, total, high, low = row["n"], Decimal(str(row["s"])), Decimal(str(row["hi"])), Decimal(str(row["lo"]))
        aggregated = aggregate_from_sums(n=n, total=total, high=high, low=low, trimmed=trimmed, trim_min=rubric.trim_min_reviewers)
        candidates.append(Candidate(
            application_id=application["pk"], receipt_number=application["receipt_number"], aggregated=aggregated,
            bonus=_bonus(rubric, items, application["company__region"], application["company__certifications"] or []),
            grant=application["grant_requested"], reviews=n, criterion_means=means.get(application["pk"], {}),
        ))
    ranked = rank(candidates, tie_break=[int(c) for c in rubric.tie_break])
    return Ranking(candidates=ranked, unscored=unscored, stray=_stray(reviews, rubric))


def _stray(reviews, rubric: Rubric) -> list[tuple[int, int, Decimal, Decimal]]:
    totals = defaultdict(list)
    for application_id, reviewer_id, total in reviews.values_list("assignment__application", "assignment__reviewer", "total"):
        totals[application_id].append((reviewer_id, total))
    flagged = []
    for application_id, rows in totals.items():
        if len(rows) < 2:
            continue
        mean = sum((t for _r, t in rows), Decimal(0)) / len(rows)
        flagged += [(application_id, r, t, mean.quantize(Decimal("0.001"))) for r, t in rows if abs(t - mean) > rubric.stray_points]
    return flagged


def _require_officer(user, call: Call) -> None:
    if not user.has_perm("reviews.manage_evaluation", call):
        raise PermissionDenied(_("Only the program's officers decide the selection."))


@transaction.atomic
def selection_run(*, user, call: Call) -> SelectionRound:
    _require_officer(user, call)
    if SelectionRound.objects.filter(call=call, finalized_at__isnull=False).exists():
        raise ValidationError(_("The selection of this call was finalised already."), code="final")
    ranking = compute_ranking(call)
    if ranking.unscored:
        raise ValidationError(_("%(n)d applications under evaluation have no submitted review yet (e.g. %(first)s).")
                              % {"n": len(ranking.unscored), "first": ranking.unscored[0]}, code="unscored")
    if not ranking.candidates:
        raise ValidationError(_("No application has been evaluated yet."), code="empty")
    decisions = select_within_budget(ranking.candidates, budget=call.budget_total, cutoff=call.rubric.cutoff)
    selection = SelectionRound.objects.create(call=call, budget=call.budget_total, created_by=user)
    SelectionItem.objects.bulk_create([
        SelectionItem(round=selection, application_id=c.application_id, rank=c.rank, aggregated=c.aggregated, bonus=c.bonus,
                      final=c.final, reviews=c.reviews, grant=c.grant, decision=d, proposed_decision=d,
                      breakdown={str(k): str(v) for k, v in c.criterion_means.items()})
        for c, d in decisions
    ], batch_size=2000)
    audit_record(actor=user, action="selection.run", target=call, data={"round": selection.pk})
    return selection


def _selected_total(selection: SelectionRound) -> int:
    return selection.items.filter(decision=SELECTED).aggregate(total=Sum("grant"))["total"] or 0


@transaction.atomic
def item_override(*, user, item_id: int, decision: str, grant: int, reason: str) -> SelectionItem:
    # The round's row lock serialises changes to one proposal, so two officers selecting
    # at once cannot together go over the budget that each checked alone.
    round_id = SelectionItem.objects.values_list("round_id", flat=True).get(pk=item_id)
    SelectionRound.objects.select_for_update().get(pk=round_id)
    item = SelectionItem.objects.select_for_update().select_related("round__call", "application").get(pk=item_id)
    selection = item.round
    _require_officer(user, selection.call)
    if selection.finalized_at:
        raise ValidationError(_("The selection was finalised; it can no longer change."), code="final")
    reason = (reason or "").strip()
    if decision not in (SELECTED, WAITLISTED, REJECTED):
        raise ValidationError(_("Choose selected, waitlisted or not selected."), code="decision")
    if grant <= 0 or grant > item.application.grant_requested:
        raise ValidationError(_("The adjusted grant must be more than 0 and at most the %(requested)s requested.")
                              % {"requested": f"{item.application.grant_requested:,}"}, code="grant")
    if not reason:
        raise ValidationError(_("Write the reason for the change; it goes into the record."), code="reason_required")
    item.decision, item.grant, item.override_reason = decision, grant, reason
    item.save(update_fields=["decision", "grant", "override_reason"])
    if _selected_total(selection) > selection.budget:
        raise ValidationError(_("With this change the selected grants total %(total)s, over the budget of %(budget)s.")
                              % {"total": f"{_selected_total(selection):,}원", "budget": f"{selection.budget:,}원"}, code="over_budget")
    audit_record(actor=user, action="selection.overridden", target=item.application,
                 data={"round": selection.pk, "decision": decision, "grant": grant, "reason": reason})
    return item


def selection_finalize(*, user, round_id: int, ip: str | None = None) -> SelectionRound:
    """Finalise once: the round row is locked and a partial unique index allows one final
    round per call, so two officers pressing together finalise it once. The applications'
    transitions and notices are applied by a Celery task (idempotent), queued on commit."""
    try:
        with transaction.atomic():
            selection = SelectionRound.objects.select_for_update().select_related("call").get(pk=round_id)
            _require_officer(user, selection.call)
            if selection.finalized_at:
                raise ValidationError(_("This selection was finalised already."), code="final")
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

    try:
        apply_selection.apply_async(args=[round_id], retry=False)
    except Exception:  # the beat job picks unapplied rounds up
        import logging

        logging.getLogger(__name__).warning("Could not queue selection %s", round_id, exc_info=True)


TRANSITION_FOR = {SELECTED: "select", WAITLISTED: "waitlist", REJECTED: "reject"}


def selection_apply(*, round_id: int) -> int:
    """Move each application to its decision and tell the company its own breakdown. Safe
    to run again: applications already moved are skipped."""
    selection = SelectionRound.objects.select_related("call__rubric", "finalized_by").get(pk=round_id)
    if selection.finalized_at is None:
        return 0
    done = 0
    for item in selection.items.select_related("application").filter(application__state=State.UNDER_REVIEW).order_by("rank"):
        try:
            workflow.transition_run(
                user=selection.finalized_by, application_id=item.application_id, name=TRANSITION_FOR[item.decision],
                expected_state=State.UNDER_REVIEW, data={"round": selection.pk, "rank": item.rank, "final": str(item.final)},
                notify="reviews/email/result", notify_context={"item": item, "appeal_until": appeal_deadline(selection)},
            )
            done += 1
        except ValidationError:
            continue  # withdrawn meanwhile, or moved by a parallel run
    return done


def appeal_deadline(selection: SelectionRound) -> datetime.datetime:
    return selection.finalized_at + datetime.timedelta(days=selection.call.rubric.appeal_days)


def final_item(application: Application) -> SelectionItem | None:
    return (
        SelectionItem.objects.filter(application=application, round__finalized_at__isnull=False)
        .select_related("round__call__rubric").first()
    )


def appeal_file(*, user, application_id: int, reason: str, now: datetime.datetime, ip: str | None = None) -> Appeal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Write the reason for the appeal."), code="reason_required")
    application = Application.objects.get(pk=application_id)
    item = final_item(application)
    if item is None:
        raise ValidationError(_("There is no result to appeal against yet."), code="no_result")
    deadline = appeal_deadline(item.round)
    if now >= deadline:
        raise ValidationError(_("The appeal window closed on %(time)s (KST).")
                              % {"time": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")}, code="window_closed")
    holder = {}

    def record(application: Application) -> None:
        holder["appeal"] = Appeal.objects.create(application=application, reason=reason[:4000], filed_by=user,
                                                 previous_state=application.from_state)

    workflow.transition_run(user=user, application_id=application_id, name="appeal", message=reason[:4000], ip=ip,
                            notify="reviews/email/appeal_filed", before_save=record)
    return holder["appeal"]


def appeal_decide(*, user, appeal_id: int, outcome: str, note: str, ip: str | None = None) -> Appeal:
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write the reasons for the decision."), code="reason_required")
    appeal = Appeal.objects.select_related("application").get(pk=appeal_id)
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise ValidationError(_("This appeal was decided already."), code="decided")

    def close(application: Application) -> None:
        Appeal.objects.filter(pk=appeal.pk).update(outcome=outcome, decision_note=note[:4000], decided_by=user, decided_at=timezone.now())

    if outcome == Appeal.Outcome.DISMISSED:
        workflow.transition_run(user=user, application_id=appeal.application_id, name="dismiss_appeal", args=(appeal.previous_state,),
                                message=note, ip=ip, notify="reviews/email/appeal_decided",
                                notify_context={"outcome": outcome}, before_save=close, expected_state=State.APPEAL)
    elif outcome == Appeal.Outcome.REREVIEW:
        workflow.transition_run(user=user, application_id=appeal.application_id, name="order_rereview",
                                message=note, ip=ip, notify="reviews/email/appeal_decided",
                                notify_context={"outcome": outcome}, before_save=close, expected_state=State.APPEAL)
    else:
        raise ValidationError(_("Choose dismiss or re-review."), code="outcome")
    appeal.refresh_from_db()
    return appeal
