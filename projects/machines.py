"""The project's machine and the payment request's, as the one transition runner
(applications/lifecycle/runner.py) runs them: their table entries, what their refusals say, and
the history their events go to — the project's own timeline. Registered in apps.py."""

from __future__ import annotations

from django.utils.translation import gettext as _

from applications.lifecycle import runner
from applications.lifecycle.runner import Transition
from projects.models import ProjectEventType
from projects.timeline import event_record

PROJECT = {
    "submit_report": Transition(ProjectEventType.REPORT_SUBMITTED, "company", notice="projects/email/report_submitted"),
    "accept_report": Transition(ProjectEventType.REPORT_ACCEPTED, "agency", "project", "projects/email/report_accepted"),
    "close": Transition(ProjectEventType.CLOSED, "agency", "project", "projects/email/closed"),
    "suspend": Transition(ProjectEventType.SUSPENDED, "agency", "project", "projects/email/suspended"),
    "resume": Transition(ProjectEventType.RESUMED, "agency", "project", "projects/email/resumed"),
    "terminate": Transition(ProjectEventType.TERMINATED, "agency", "project", "projects/email/terminated", confirm=True),
}

PAYMENT = {
    "submit": Transition(ProjectEventType.PAYMENT_REQUESTED, "company", notice="projects/email/payment_requested"),
    "approve": Transition(ProjectEventType.PAYMENT_APPROVED, "agency", "payment", "projects/email/payment_approved"),
    "send_back": Transition(ProjectEventType.PAYMENT_RETURNED, "agency", "payment", "projects/email/payment_returned"),
    "pay": Transition(ProjectEventType.PAYMENT_PAID, "agency", "payment", "projects/email/payment_paid"),
}


def record_project_step(step, *, action, message: str, ip: str | None, data: dict) -> None:
    """A project's own transition: its from and to states (the service holds the project's lock)."""
    event_record(project=step.obj, actor=step.user, action=action, from_state=step.before, to_state=step.obj.state,
                 message=message, ip=ip, data=data)


def record_payment_step(step, *, action, message: str, ip: str | None, data: dict) -> None:
    """A payment request's transition, in its project's timeline: the instalment and its own
    from and to states in the data (the service holds the project's lock, then the request's)."""
    payment = step.obj
    event_record(project=payment.project, actor=step.user, action=action, message=message, ip=ip,
                 data={"payment": payment.number, "label": payment.label, "from": step.before, "to": payment.state} | data)


def register() -> None:
    runner.register_machine(
        "project", model="projects.Project", field="state", transitions=PROJECT, title="Project (사업 수행)",
        application_of=lambda project: project.application, record=record_project_step,
        refused=lambda label: _("This cannot be done while the project is “%(state)s”.") % {"state": label},
        denied=lambda: _("You may not do this with this project."),
        stale=lambda label: _("This project changed while you were looking at it: it is now “%(state)s”. Nothing was done; "
                              "look at it again.") % {"state": label},
    )
    runner.register_machine(
        "payment", model="projects.PaymentRequest", field="state", transitions=PAYMENT, title="Payment request (지급 요청)",
        application_of=lambda payment: payment.project.application, record=record_payment_step,
        refused=lambda label: _("This cannot be done while the payment request is “%(state)s”.") % {"state": label},
        denied=lambda: _("You may not do this with this payment request."),
        stale=lambda label: _("This payment request changed while you were looking at it: it is now “%(state)s”. Nothing was "
                              "done; look at it again.") % {"state": label},
    )
