"""The decision, the call's budget, the waiting list and place offers.

The call's budget has one authority: its first final selection round (`lock_budget`). Every
path that commits money — applying a decision, offering a place, accepting an offer, a
re-decision round, an agreement's changed grant — takes that row first and checks, in the
same transaction, the remainder against everything held *and* everything decided but not yet
applied (`committed_budget`).

Deadlines a company acts against (answering an offer, signing) are judged inside the acting
transaction by the request's arrival (`now`, as a submission is); the beat jobs lapse only
after `ANSWER_GRACE`, so an answer sent in time is never beaten by the job.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.lifecycle import runner
from applications.lifecycle.runner import ANSWER_GRACE, TransitionRefused
from applications.models import HOLDS_BUDGET, Application, Call, PlaceOffer, SelectionItem, SelectionRound, State
from portal.duties import first_tied, refuse_if_tied
from portal.formatting import deadline
from portal.models import Company
from portal.periods import period_end
from portal.queue import enqueue_by_name

# The decision of a selection item, as the application's transition that applies it.
DECISION_TRANSITIONS = {
    SelectionItem.Decision.SELECTED: "select",
    SelectionItem.Decision.WAITLISTED: "waitlist",
    SelectionItem.Decision.REJECTED: "reject",
}


def decision_apply(*, item_id: int) -> bool:
    """The system moves one application to the decision of a finalized round and tells the
    company its own breakdown. Once per decision: an item already applied (or whose
    application left evaluation) is left alone, so a re-review is never undone. A
    selection is applied under the call's budget lock, and only if it still fits."""
    with transaction.atomic():
        application_id, call_id = SelectionItem.objects.values_list("application_id", "round__call_id").get(pk=item_id)
        lock_budget(call_id)
        application = runner.lock_application(application_id)
        item = SelectionItem.objects.select_for_update(of=("self",)).select_related("round__call__rubric", "round__finalized_by").get(pk=item_id)
        if item.applied_at is not None or item.round.finalized_at is None or application.state != State.UNDER_REVIEW:
            return False
        # The finalizing officer's act, applied by the system: checked as the system's.
        step = runner.begin(application, DECISION_TRANSITIONS[item.decision], None)
        step.user = item.round.finalized_by
        if item.decision == SelectionItem.Decision.SELECTED:
            refuse_over_budget(application.call, grant=item.grant, application_id=application.pk)
        step.apply()
        item.applied_at = timezone.now()
        item.save(update_fields=["applied_at"])
        if item.decision == SelectionItem.Decision.SELECTED:
            application.grant_awarded = item.grant
        step.finish(data={"round": item.round_id, "rank": item.rank, "final": str(item.final), "grant": item.grant},
                    context={"item": item, "appeal_until": item.appeal_closes_at})
    return True


def lock_budget(call_id: int):
    """The call's budget authority, locked: its first final selection round (first in the
    lock order). None before the selection is final, when nothing holds money yet."""
    return (SelectionRound.objects.select_for_update(of=("self",)).select_related("call")
            .filter(call_id=call_id, finalized_at__isnull=False, kind=SelectionRound.Kind.INITIAL).first())


def held_budget(call: Call, *, exclude_application_id: int | None = None) -> int:
    """What the call's budget holds for applications selected, offered a place or under agreement."""
    held = Application.objects.filter(call=call, state__in=HOLDS_BUDGET)
    if exclude_application_id is not None:
        held = held.exclude(pk=exclude_application_id)
    return held.aggregate(total=Sum("grant_awarded"))["total"] or 0


def decided_budget(call: Call, *, exclude_application_id: int | None = None) -> int:
    """What final rounds selected but the worker has not applied yet: money already spent."""
    decided = SelectionItem.objects.filter(round__call=call, round__finalized_at__isnull=False, applied_at__isnull=True,
                                           decision=SelectionItem.Decision.SELECTED, application__state=State.UNDER_REVIEW)
    if exclude_application_id is not None:
        decided = decided.exclude(application_id=exclude_application_id)
    return decided.aggregate(total=Sum("grant"))["total"] or 0


def committed_budget(call: Call, *, exclude_application_id: int | None = None) -> int:
    """Everything the call's budget is committed to: held by applications, and decided in a
    final round but not yet applied."""
    return (held_budget(call, exclude_application_id=exclude_application_id)
            + decided_budget(call, exclude_application_id=exclude_application_id))


def budget_left(call: Call) -> int:
    """The call's budget less everything committed (read fresh: the budget may just have changed)."""
    return Call.objects.values_list("budget_total", flat=True).get(pk=call.pk) - committed_budget(call)


def refuse_over_budget(call: Call, *, grant: int, application_id: int | None = None) -> None:
    """Under the call's budget lock: refuse (nothing changed) when `grant` for this
    application, with everything else committed, would exceed the call's budget."""
    budget = Call.objects.values_list("budget_total", flat=True).get(pk=call.pk)
    remaining = budget - committed_budget(call, exclude_application_id=application_id)
    if grant > remaining:
        raise ValidationError(
            _("%(grant)s does not fit the call's budget: only %(remaining)s of %(budget)s is left once every selected, "
              "offered and decided grant is counted. Nothing was changed.")
            % {"grant": f"{grant:,}원", "remaining": f"{max(remaining, 0):,}원", "budget": f"{budget:,}원"},
            code="over_budget",
        )


def round_being_applied(call: Call) -> bool:
    """A final round of the call whose decisions the worker is still applying."""
    return SelectionItem.objects.filter(round__call=call, round__finalized_at__isnull=False, applied_at__isnull=True,
                                        application__state=State.UNDER_REVIEW).exists()


def place_freed(call: Call) -> None:
    """A selected application left: with the call's rule, the place is offered on commit."""
    if call.auto_offer:
        transaction.on_commit(lambda: enqueue_by_name("reviews.tasks.offer_next_place", call.pk), robust=True)


def offer_next(*, user, call_id: int, now: datetime.datetime | None = None, ip: str | None = None) -> Application:
    """Offer a freed place to the next waitlisted application in rank order whose grant fits
    what the budget has left; the company answers by the deadline. The call's final round
    is locked first, so two offers (an officer's and the beat job's) cannot both spend the
    same remainder."""
    now = now or timezone.now()
    if user is not None:
        tied = first_tied(user, Company.objects.filter(applications__call_id=call_id, applications__state=State.WAITLISTED))
        refuse_if_tied(user, tied, action="offer", target=Call.objects.get(pk=call_id), ip=ip)
    with transaction.atomic():
        final = lock_budget(call_id)
        if final is None:
            raise ValidationError(_("The selection of this call is not final yet."), code="not_final")
        call = final.call
        if user is not None and not user.has_perm("applications.decide_selection", call):
            raise PermissionDenied(_("Only the program's officers decide the selection."))
        if round_being_applied(call):
            # Its decisions are about to take their places: the next beat job offers what is left.
            raise ValidationError(_("The final selection is still being applied to the applications; try again in a minute."),
                                  code="applying")
        remaining = budget_left(call)
        item = next((i for i in waiting_list(call) if i.grant <= remaining), None)
        if item is None:
            raise ValidationError(_("No waitlisted application fits within the remaining budget of %(remaining)s.")
                                  % {"remaining": f"{remaining:,}원"}, code="nothing_fits")
        application = runner.lock_application(item.application_id)
        step = runner.begin(application, "offer_place", user, expected_state=State.WAITLISTED)
        step.apply()
        due_at = period_end(now, days=call.offer_days)
        offer = PlaceOffer.objects.create(application=application, item=item, grant=item.grant, due_at=due_at, made_by=user)
        application.grant_awarded = item.grant
        step.finish(ip=ip, data={"grant": item.grant, "due_at": deadline(due_at), "rank": item.rank}, context={"offer": offer})
    return application


def current_item(application: Application) -> SelectionItem | None:
    """The decision the company was last told of (the newest applied one)."""
    return (
        SelectionItem.objects.filter(application=application, applied_at__isnull=False)
        .select_related("round__call__rubric").order_by("-applied_at").first()
    )


def waiting_list(call: Call) -> list:
    """The waitlisted applications' current decisions, best first (final score, then rank),
    read in one query whatever the length of the list."""
    newest = {}
    items = SelectionItem.objects.filter(application__call=call, application__state=State.WAITLISTED, applied_at__isnull=False)
    for item in items.order_by("application_id", "-applied_at"):
        newest.setdefault(item.application_id, item)
    return sorted(newest.values(), key=lambda item: (-item.final, item.rank))


def _open_offer(application: Application):
    offer = PlaceOffer.objects.select_for_update().filter(application=application, outcome=PlaceOffer.Outcome.OPEN).first()
    if offer is None:
        raise TransitionRefused(_("There is no open offer for this application."), code="no_offer")
    return offer


def _answer(application: Application, offer, name: str, when: datetime.datetime) -> None:
    """The offer's own transition, with the application's (which writes the one event)."""
    runner.begin(offer, name, None).apply(when)
    offer.save(update_fields=["outcome", "answered_at"])


def offer_accept(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    """The company takes the offered place. `now` is when the answer arrived: an answer
    sent before the deadline counts, however long it waited for the lock (the lapse job
    waits `ANSWER_GRACE`). The place's grant is checked again under the budget lock."""
    with transaction.atomic():
        lock_budget(Application.objects.values_list("call_id", flat=True).get(pk=application_id))
        application = runner.lock_application(application_id)
        step = runner.begin(application, "accept_offer", user)
        offer = _open_offer(application)
        if now >= offer.due_at:
            raise ValidationError(_("The offer had to be answered by %(time)s (KST).") % {"time": deadline(offer.due_at)}, code="lapsed")
        refuse_over_budget(application.call, grant=offer.grant, application_id=application.pk)
        step.apply()
        _answer(application, offer, "accept", now)
        step.finish(ip=ip, data={"grant": offer.grant}, context={"accepted": True})
    return application


def offer_decline(*, user, application_id: int, now: datetime.datetime, ip: str | None = None) -> Application:
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, "decline_offer", user)
        offer = _open_offer(application)
        step.apply()
        _answer(application, offer, "decline", now)
        application.withdrawn_at = now
        application.withdraw_reason = _("Declined the offered place.")
        step.finish(ip=ip, context={"accepted": False})
        place_freed(application.call)
    return application


def offer_lapse(*, application_id: int, now: datetime.datetime) -> Application:
    """The system: an offer not answered by its deadline is taken as given up (포기 간주)."""
    with transaction.atomic():
        application = runner.lock_application(application_id)
        step = runner.begin(application, "lapse_offer", None, expected_state=State.OFFERED)
        offer = _open_offer(application)
        if now < offer.due_at + ANSWER_GRACE:
            raise TransitionRefused(_("The offer is still open."), code="not_due")
        step.apply()
        _answer(application, offer, "lapse", now)
        application.withdrawn_at = now
        application.withdraw_reason = _("The offered place was not answered in time.")
        step.finish(data={"due_at": deadline(offer.due_at)}, context={"offer": offer})
        place_freed(application.call)
    return application


def offers_sweep(*, now: datetime.datetime) -> int:
    """Lapse unanswered offers (`ANSWER_GRACE` past their deadline), then fill freed places of
    calls that offer them automatically (in case a queued offer was missed) — not while a final
    round is still being applied. Part of the beat job `applications.lifecycle.offer_sweep`."""
    done = 0
    overdue = PlaceOffer.objects.filter(outcome=PlaceOffer.Outcome.OPEN, due_at__lte=now - ANSWER_GRACE, application__state=State.OFFERED)
    for application_id in list(overdue.values_list("application_id", flat=True)):
        try:
            offer_lapse(application_id=application_id, now=now)
            done += 1
        except ValidationError:
            continue
    for call_id in list(Call.objects.filter(auto_offer=True, applications__state=State.WAITLISTED).distinct().values_list("pk", flat=True)):
        done += offer_fill(call_id=call_id, now=now)
    return done


def offer_fill(*, call_id: int, now: datetime.datetime | None = None) -> int:
    """The call's rule: offer places while a waitlisted application fits the remainder."""
    offered = 0
    while True:
        try:
            offer_next(user=None, call_id=call_id, now=now)
        except ValidationError:
            return offered
        offered += 1
