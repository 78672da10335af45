from __future__ import annotations

from celery import shared_task

from applications.lifecycle import offer_fill, offer_sweep
from applications.models import SelectionRound, State
from reviews.services.selection import selection_apply


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def apply_selection(self, round_id: int) -> int:

    try:
        return selection_apply(round_id=round_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=30 * (2**self.request.retries))


@shared_task
def apply_finalized_selections() -> int:
    """Periodic: finish any finalized round whose decisions were not all applied yet (the
    broker was down when it was finalized, or a worker died half-way). A decision is
    applied once: an application evaluated again after an appeal is not touched."""

    pending = SelectionRound.objects.filter(finalized_at__isnull=False, items__applied_at__isnull=True,
                                            items__application__state=State.UNDER_REVIEW).distinct()
    return sum(selection_apply(round_id=pk) for pk in pending.values_list("pk", flat=True))


@shared_task
def offer_next_place(call_id: int) -> int:
    """A selected application left a call that offers freed places automatically."""

    return offer_fill(call_id=call_id)


@shared_task
def sweep_offers() -> int:
    """Periodic: unanswered offers and unsigned agreements past their deadline are taken as
    given up, and freed places of automatic calls are offered."""

    return offer_sweep()
