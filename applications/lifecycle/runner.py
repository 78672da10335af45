"""The one way a transition runs, and the table that says what each transition is.

Every service of the life cycle reads the same way:

    step = begin(obj, "transition_name", user, expected_state=...)   # checks, nothing changed
    ... the business guard of this transition (deadline, window, budget) ...
    step.apply(*args)                                                 # the state moves
    ... the transition's own rows (the offer answered, the appeal decided) ...
    step.finish(data=..., message=..., ip=..., context=...)            # save, one event, notices on commit

`begin` checks, in this order: the state the page showed (a stale page is refused), the
transition's source state (`can_proceed`), separation of duties for the agency's steps
(portal/duties.py; the refusal is recorded by the service before its transaction), then the
person's `rules` permission (none for the system: `user=None`). A refusal raises and changes
nothing. `finish` saves the object and writes the one `ApplicationEvent` the table names, in
the application's hash-chained history, and the notice the table names.

`TRANSITIONS` is the one table: for each machine and transition its event, the duty a tied
person may not perform, the notice sent to the company and whether the person confirms it
first. The runner reads it, `actions_for` (what a page offers) reads it, the views ask for the
ticked confirmation exactly where it says so (`needs_confirmation`), docs/application-states.md
is drawn from it, and tests walk it against every model's transitions (a new transition
cannot be added without an entry, nor a person's transition without its permission) and
against the views: tests/test_transition_matrix.py runs every transition a person runs
through its page as every role, and expects it to move for exactly the roles `actions_for`
allows (the permission and the duty) — where the table says `confirm`, only once confirmed.

An event written for another machine than the application's (an agreement's, an
assignment's, a review's) names that machine's record and its `from` and `to` states in its
data, beside the data the service adds.

The apps above (projects) add their machines from their ready() with `register_machine`: the
model, the table's entries, what a refusal says, the application the record belongs to (its
company, for the duties and the notices) and the history its events go to — their own
hash-chained timeline, not the application's. `on_finish` lets them act, in the same
transaction, when a transition of a machine below finishes (an executed agreement opens its
project), so that nothing here imports them.

Lock order. A service takes the row locks it needs in this order and no other, so that two
services never wait on each other:

    selection round → application → call (its receipt counter) → agreement
    → the application's own rows (revision request, appeal, offer, selection item, assignment, review)
    → the project → its payment requests
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applications.models import Application, EventType
from applications.services.events import event_record
from applications.services.notify import notify_members
from portal.duties import refuse_if_tied, tie_with
from portal.middleware import MAX_QUEUE_SECONDS

# How long past a deadline the beat jobs wait before taking an unanswered offer or an
# unsigned agreement as given up. A request is judged by its arrival stamp, which may lie
# up to MAX_QUEUE_SECONDS back, and the web worker ends any request after 60 seconds
# (docs/deployment.md): five minutes past both, no request sent in time is still on its way.
ANSWER_GRACE = datetime.timedelta(seconds=MAX_QUEUE_SECONDS + 300)


class TransitionRefused(ValidationError):
    """Not allowed from the object's current state."""


class StaleState(ValidationError):
    """Someone else changed the application since the page was shown."""


class SubmissionRefused(Exception):
    """Submission is not possible yet; `problems` says everything that is missing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Transition:
    """What one transition of one machine is. `event`: the event it writes (None when the
    transition moves together with another machine's, which writes the one event); `duty`:
    the portal/duties.py action a person tied to the company may not perform; `notice`: the
    template prefix of the company's notice; `confirm`: the person confirms first, ticking the
    box of a confirmation page or of the form that sends it (portal/confirm.py); `by`: who runs
    it — "agency", "company", "reviewer" or "system"."""

    event: EventType | None
    by: str
    duty: str | None = None
    notice: str | None = None
    confirm: bool = False


TRANSITIONS: dict[str, dict[str, Transition]] = {
    "application": {
        "submit": Transition(EventType.SUBMITTED, "company", notice="applications/email/submitted", confirm=True),
        "withdraw": Transition(EventType.WITHDRAWN, "company", notice="applications/email/withdrawn", confirm=True),
        "begin_screening": Transition(EventType.SCREENING_STARTED, "agency", "screen", "applications/email/screening_started"),
        "pass_screening": Transition(EventType.SCREENING_PASSED, "agency", "screen", "applications/email/passed_screening"),
        "request_revision": Transition(EventType.REVISION_REQUESTED, "agency", "screen", "applications/email/revision_requested"),
        "declare_ineligible": Transition(EventType.DECLARED_INELIGIBLE, "agency", "screen", "applications/email/ineligible"),
        "resubmit": Transition(EventType.REVISION_SENT, "company", notice="applications/email/resubmitted", confirm=True),
        "expire_revision": Transition(EventType.REVISION_EXPIRED, "system", notice="applications/email/revision_expired"),
        "select": Transition(EventType.SELECTED, "agency", "select", "reviews/email/result", confirm=True),
        "waitlist": Transition(EventType.WAITLISTED, "agency", "select", "reviews/email/result", confirm=True),
        "reject": Transition(EventType.REJECTED, "agency", "select", "reviews/email/result", confirm=True),
        "offer_place": Transition(EventType.PLACE_OFFERED, "agency", "offer", "reviews/email/offer"),
        "accept_offer": Transition(EventType.OFFER_ACCEPTED, "company", notice="reviews/email/offer_answered"),
        "decline_offer": Transition(EventType.OFFER_DECLINED, "company", notice="reviews/email/offer_answered", confirm=True),
        "lapse_offer": Transition(EventType.OFFER_LAPSED, "system", notice="reviews/email/offer_lapsed"),
        "appeal": Transition(EventType.APPEAL_FILED, "company", notice="reviews/email/appeal_filed"),
        "order_rereview": Transition(EventType.REREVIEW_ORDERED, "agency", "appeal", "reviews/email/appeal_decided"),
        "dismiss_appeal": Transition(EventType.APPEAL_DISMISSED, "agency", "appeal", "reviews/email/appeal_decided"),
        "start_agreement": Transition(EventType.AGREEMENT_PREPARED, "agency", "agreement"),
        "execute_agreement": Transition(EventType.AGREEMENT_EXECUTED, "system", notice="agreements/email/executed"),
        "lapse_agreement": Transition(EventType.AGREEMENT_LAPSED, "system", notice="agreements/email/lapsed"),
    },
    "agreement": {
        "issue": Transition(EventType.AGREEMENT_ISSUED, "agency", "agreement", "agreements/email/issued", confirm=True),
        "reopen_terms": Transition(EventType.AGREEMENT_TERMS_CHANGED, "agency", "agreement"),
        "sign": Transition(EventType.AGREEMENT_SIGNED, "company", confirm=True),
        "sign_for_partner": Transition(EventType.AGREEMENT_PARTNER_SIGNED, "company", confirm=True),
        "countersign": Transition(EventType.AGREEMENT_COUNTERSIGNED, "agency", "countersign", confirm=True),
        "lapse": Transition(None, "system"),  # with the application's lapse_agreement
        "execute": Transition(None, "system"),  # with the application's execute_agreement
    },
    "offer": {
        "accept": Transition(None, "company"),  # with the application's accept_offer
        "decline": Transition(None, "company", confirm=True),
        "lapse": Transition(None, "system"),
    },
    "appeal": {
        "dismiss": Transition(None, "agency", "appeal"),  # with the application's dismiss_appeal
        "order_rereview": Transition(None, "agency", "appeal"),
    },
    "assignment": {
        "clear": Transition(EventType.NO_CONFLICT_DECLARED, "reviewer"),
        "declare_conflict": Transition(EventType.CONFLICT_DECLARED, "reviewer"),
        "record_tie": Transition(EventType.CONFLICT_DECLARED, "agency", "tie"),
        "submit_review": Transition(None, "reviewer", confirm=True),  # with the review's submit
        "reopen_review": Transition(None, "agency", "reopen"),  # with the review's reopen
        "waive": Transition(EventType.ASSIGNMENT_WAIVED, "agency", "assign"),
    },
    "review": {
        "submit": Transition(EventType.REVIEW_SUBMITTED, "reviewer", confirm=True),
        "reopen": Transition(EventType.REVIEW_REOPENED, "agency", "reopen"),
    },
}

# The model each machine runs on, and the name of its state field.
MACHINES = {"application": ("applications.Application", "state"), "agreement": ("applications.Agreement", "state"),
            "offer": ("applications.PlaceOffer", "outcome"), "appeal": ("applications.Appeal", "outcome"),
            "assignment": ("reviews.Assignment", "status"), "review": ("reviews.Review", "status")}


@dataclass(frozen=True, slots=True)
class Registered:
    """A machine of an app above. `application_of(obj)`: the application the record belongs to;
    `record(step, action=, message=, ip=, data=)`: writes the step's one event in the record's
    own history (the caller holds the lock that orders it)."""

    application_of: Callable
    record: Callable
    title: str


REGISTERED: dict[str, Registered] = {}
_FINISHED: dict[tuple[str, str], list[Callable]] = {}


def register_machine(name: str, *, model: str, field: str, transitions: dict[str, Transition], title: str,
                     application_of: Callable, record: Callable, refused: Callable[[str], str], denied: Callable[[], str],
                     stale: Callable[[str], str]) -> None:
    """From an app's ready(): run machine `name` (`model`'s protected FSM field `field`) like
    the life cycle's own. `refused(state label)`, `denied()` and `stale(state label)` say in
    words why a step was refused: not from this state, not this person's to do, the page was stale."""
    MACHINES[name] = (model, field)
    TRANSITIONS[name] = transitions
    REGISTERED[name] = Registered(application_of=application_of, record=record, title=title)
    _REFUSALS[name], _PERMISSION[name], _STALE[name] = refused, denied, stale


def on_finish(machine: str, name: str, hook: Callable) -> None:
    """From an app's ready(): call `hook(step)` each time transition `name` of `machine`
    finishes, after its event and notice, in the same transaction."""
    hooks = _FINISHED.setdefault((machine, name), [])
    if hook not in hooks:
        hooks.append(hook)


def machine_of(obj) -> str:
    label = f"{obj._meta.app_label}.{obj._meta.object_name}"
    return next(name for name, (model, _field) in MACHINES.items() if model == label)


def state_label(obj) -> str:
    field = MACHINES[machine_of(obj)][1]
    return str(getattr(obj, f"get_{field}_display")())


def lock_application(application_id: int) -> Application:
    """The application's row lock (callers are inside `transaction.atomic`)."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__program", "company", "form_version", "support_level")
        .get(pk=application_id)
    )


def refuse_if_tied_to(user, application_id: int, *, action: str, ip: str | None = None) -> None:
    """Separation of duties, checked (and a refusal recorded) before the service's transaction."""
    if user is not None:
        application = Application.objects.select_related("company").only("company").get(pk=application_id)
        refuse_if_tied(user, application.company, action=action, target=application, ip=ip)


def _application_of(obj) -> Application:
    """The application whose history tells of `obj`'s change (a review's, through its assignment),
    or, for a machine of an app above, the application its record belongs to."""
    if isinstance(obj, Application):
        return obj
    registered = REGISTERED.get(machine_of(obj))
    if registered is not None:
        return registered.application_of(obj)
    return obj.assignment.application if hasattr(obj, "assignment_id") else obj.application


_REFUSALS = {
    "application": lambda label: _("This cannot be done while the application is “%(state)s”.") % {"state": label},
    "agreement": lambda label: _("This cannot be done while the agreement is “%(state)s”.") % {"state": label},
}
_PERMISSION = {
    "application": lambda: _("You may not do this with this application."),
    "agreement": lambda: _("You may not do this with this agreement."),
}
_STALE = {}


class Step:
    """One transition in progress: checked by `begin`, moved by `apply`, written by `finish`."""

    def __init__(self, obj, name: str, user) -> None:
        self.obj, self.name, self.user = obj, name, user
        self.machine = machine_of(obj)
        self.transition = TRANSITIONS[self.machine][name]
        self.field = MACHINES[self.machine][1]
        self.before = getattr(obj, self.field)
        self.application = _application_of(obj)
        self.application_before = self.application.state
        self.applied = False

    def apply(self, *args):
        _inside.depth = getattr(_inside, "depth", 0) + 1
        try:
            result = getattr(self.obj, self.name)(*args)
        finally:
            _inside.depth -= 1
        self.applied = True
        return result

    def finish(self, *, message: str = "", ip: str | None = None, data: dict | None = None, context: dict | None = None,
               url: str = "", notify: bool = True, save: bool = True, event: EventType | None = None) -> None:
        """Save, write the one event (the table's, or `event` where the table names several),
        and send the table's notice, all in the caller's transaction."""
        assert self.applied, f"{self.machine}.{self.name} finished without being applied"
        if save:
            self.obj.save()
        action = event or self.transition.event
        registered = REGISTERED.get(self.machine)
        if action is not None and registered is not None:
            registered.record(self, action=action, message=message, ip=ip, data=data or {})
        elif action is not None:
            if self.machine == "application":
                event_record(application=self.application, actor=self.user, action=action, from_state=self.application_before,
                             to_state=self.application.state, message=message, ip=ip, data=data or {})
            else:
                own = {self.machine: getattr(self.obj, "number", None) or self.obj.pk, "from": self.before, "to": getattr(self.obj, self.field)}
                event_record(application=self.application, actor=self.user, action=action, ip=ip, message=message,
                             data=own | (data or {}))
        if notify and self.transition.notice:
            notify_members(application=self.application, template_prefix=self.transition.notice, context=context, url=url)
        for hook in _FINISHED.get((self.machine, self.name), ()):
            hook(self)


def actions_for(obj, user) -> set[str]:
    """The transitions `user` may run on `obj` now, as the machine and the table say (Hypha's
    get_actions_for_user): available from the current state, allowed by their permission, and
    neither a system step nor a duty the person's tie to the company forbids. Pages show these
    and only these; `begin` checks the same again when the person acts."""
    machine = machine_of(obj)
    field = MACHINES[machine][1]
    tie = tie_with(user, _application_of(obj).company) if user.is_authenticated else None
    return {t.name for t in getattr(obj, f"get_available_user_{field}_transitions")(user)
            if TRANSITIONS[machine][t.name].by != "system" and not (tie and TRANSITIONS[machine][t.name].duty)}


def needs_confirmation(machine: str, *names: str) -> bool:
    """Does the person confirm first (the table's `confirm`) before any of these transitions of
    `machine`? A view asks for the ticked box (portal/confirm.py) exactly when this says so."""
    return any(TRANSITIONS[machine][name].confirm for name in names)


def begin(obj, name: str, user, *, expected_state: str | None = None) -> Step:
    """Check that `user` (None: the system) may run transition `name` of `obj` now."""
    step = Step(obj, name, user)
    if expected_state is not None and step.before != expected_state:
        stale = _STALE.get(step.machine)
        raise StaleState(
            stale(state_label(obj)) if stale else
            _("This application changed while you were looking at it: it is now “%(state)s”. Nothing was done; look at it again.")
            % {"state": state_label(obj)},
            code="stale",
        )
    method = getattr(obj, name)
    if not can_proceed(method):
        refusal = _REFUSALS.get(step.machine)
        raise TransitionRefused(refusal(state_label(obj)) if refusal else _("This cannot be done in the current state."),
                                code="not_allowed")
    if user is not None and step.transition.duty is not None:
        refuse_if_tied(user, step.application.company, action=step.transition.duty, target=step.application, record=False)
    if user is not None and not has_transition_perm(method, user):
        raise PermissionDenied(_PERMISSION.get(step.machine, lambda: _("You may not do this."))())
    return step



# Only `Step.apply` runs a transition: django-fsm's pre_transition signal refuses any other
# caller (a transition run elsewhere would skip the checks and the event). Connected in
# applications/apps.py; the whole test suite runs with it.
_inside = threading.local()


class TransitionOutsideRunner(RuntimeError):
    """A state machine's transition was called directly instead of through `begin(...).apply()`."""


def refuse_outside_runner(sender, instance, name, source, target, **kwargs) -> None:
    label = f"{sender._meta.app_label}.{sender._meta.object_name}"
    if any(model == label for model, _field in MACHINES.values()) and not getattr(_inside, "depth", 0):
        raise TransitionOutsideRunner(f"{label}.{name} ({source} → {target}) was called outside applications.lifecycle.runner")
