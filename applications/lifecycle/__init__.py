"""The life cycle of an application and of the agreement that follows it: every change of
their states, one module per stage, each transition run by `runner` and described in its
`TRANSITIONS` table. Every caller (views, the reviews services, beat jobs, the worker,
management commands) goes through these functions; views never lock rows.

    runner      the one way a transition runs, the table, the lock order, the errors
    submission  submit, send, withdraw
    screening   screening, revision requests
    decision    the decision, the call's budget, the waiting list and place offers
    appeals     이의신청 and its decision
    agreement   prepare, change terms, issue, sign, countersign, execute, lapse
"""

import datetime

from django.utils import timezone

from applications.lifecycle import agreement, decision
from applications.lifecycle.agreement import (  # noqa: F401
    DRAFTING_EVENTS,
    agreement_countersign,
    agreement_execute,
    agreement_for_update,
    agreement_issue,
    agreement_lapse,
    agreement_partner_signer_set,
    agreement_sign,
    agreement_sign_for_partner,
    agreement_start,
    agreement_update_terms,
    countersign_tie,
)
from applications.lifecycle.appeals import appeal_dismiss, appeal_file, appeal_order_rereview  # noqa: F401
from applications.lifecycle.decision import (  # noqa: F401  (decision before the stages that free places)
    HOLDS_BUDGET,
    budget_left,
    committed_budget,
    current_item,
    decided_budget,
    decision_apply,
    held_budget,
    lock_budget,
    offer_accept,
    offer_decline,
    offer_fill,
    offer_lapse,
    offer_next,
    offers_sweep,
    refuse_over_budget,
    round_being_applied,
    waiting_list,
)
from applications.lifecycle.runner import (  # noqa: F401
    ANSWER_GRACE,
    TRANSITIONS,
    StaleState,
    SubmissionRefused,
    Transition,
    TransitionRefused,
    actions_for,
    lock_application,
    needs_confirmation,
    refuse_if_tied_to,
)
from applications.lifecycle.screening import (  # noqa: F401
    REVISION_DAYS_MAX,
    REVISION_DAYS_MIN,
    revision_expire,
    revision_request,
    revision_resubmit,
    revision_sweep,
    screening_begin,
    screening_declare_ineligible,
    screening_pass,
)
from applications.lifecycle.submission import (  # noqa: F401
    application_send,
    application_submit,
    application_withdraw,
    take_receipt_number,
)


def offer_sweep(*, now: datetime.datetime | None = None) -> int:
    """Beat job: lapse unsigned agreements and unanswered offers (`ANSWER_GRACE` past their
    deadlines), then fill the places they freed where the call offers them automatically."""
    now = now or timezone.now()
    return agreement.agreement_sweep(now=now) + decision.offers_sweep(now=now)
