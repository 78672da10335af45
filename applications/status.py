"""One status per application, the same on every page that shows it.

The state machine's state is the truth; the evaluation's decision (the last one the company
was told of) only refines what it says. A withdrawn application is never shown as selected:
both its status and its result read "선정 후 포기", and an application that holds a place
(selected, under agreement, contracted) reads as selected whatever list it came from."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from applications.models import FormStep, State

# The decisions of a selection round use the states' own values (reviews.SelectionItem.Decision).
_HOLDS_PLACE = {State.SELECTED, State.AGREEMENT, State.CONTRACTED}


@dataclass(frozen=True, slots=True)
class ApplicationStatus:
    code: str  # the state: the CSS class (status-<code>) and the filters
    label: str  # what the status line says
    result: str  # the evaluation result as it stands now; "" before there is one
    result_code: str  # selected / waitlisted / rejected / offered / withdrawn, or ""


def application_status(*, state: str, decision: str = "") -> ApplicationStatus:
    """The status of an application in `state` whose last announced decision was
    `decision` ("selected", "waitlisted", "rejected" or "")."""
    state = State(state)
    if state == State.WITHDRAWN and decision:
        label = {State.SELECTED: _("Withdrawn after selection"),
                 State.WAITLISTED: _("Withdrawn from the waiting list")}.get(decision, _("Withdrawn after the result"))
        return ApplicationStatus(code=state.value, label=label, result=label, result_code=State.WITHDRAWN.value)
    if state in _HOLDS_PLACE:
        result = State.SELECTED
    elif state == State.OFFERED:
        result = State.OFFERED
    else:
        result = State(decision) if decision else None
    return ApplicationStatus(code=state.value, label=str(state.label), result=str(result.label) if result else "",
                             result_code=result.value if result else "")


def announced_decision(application) -> str:
    """The last selection decision the company was told of, "" if none (read through the
    reverse relation, so this app need not import the evaluation's models)."""
    return (application.selection_items.filter(applied_at__isnull=False).order_by("-applied_at")
            .values_list("decision", flat=True).first() or "")


@dataclass(frozen=True, slots=True)
class NextStep:
    """What the company does next on an application: the words, where to do it ("" when it
    only waits) and the deadline, if the step has one."""

    text: str
    url: str = ""
    due: object = None  # datetime.datetime | None


def next_step(*, pk: int, state: str, call_closes_at, now, revision_due=None, offer_due=None, sign_due=None,
              agreement_id: int | None = None) -> NextStep:
    """The company's next step on an application in `state`, from the one place that says it
    (the dashboard and any page that lists applications ask here, not in a template)."""
    from django.urls import reverse

    detail = reverse("application_detail", args=[pk])
    state = State(state)
    if state == State.DRAFT:
        if call_closes_at > now:
            return NextStep(_("Complete and submit the application"), reverse("application_step", args=[pk, FormStep.OVERVIEW]), call_closes_at)
        return NextStep(_("The call closed before this draft was submitted."))
    if state == State.AGREEMENT:
        if sign_due is not None and agreement_id is not None:
            return NextStep(_("Sign the agreement"), reverse("agreement_detail", args=[agreement_id]), sign_due)
        return NextStep(_("Wait for the agreement to be issued or countersigned."))
    with_link = {
        State.REVISION_REQUESTED: (_("Revise the application and send it back"), revision_due),
        State.OFFERED: (_("Answer the offer of a place"), offer_due),
        State.REJECTED: (_("See the reasons"), None),
        State.INELIGIBLE: (_("See the reasons"), None),
    }
    if state in with_link:
        text, due = with_link[state]
        return NextStep(text, detail, due)
    waiting = {
        State.SUBMITTED: _("Wait for the eligibility screening."),
        State.SCREENING: _("Wait for the eligibility screening."),
        State.UNDER_REVIEW: _("Wait for the evaluation's result."),
        State.APPEAL: _("Wait for the evaluation's result."),
        State.SELECTED: _("Wait for the agreement to be issued."),
        State.WAITLISTED: _("On the waiting list: you are told if a place frees up."),
        State.CONTRACTED: _("The agreement is in force."),
        State.WITHDRAWN: _("Nothing: the application was withdrawn."),
    }
    return NextStep(waiting.get(state, str(state.label)))
