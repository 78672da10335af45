"""What applications and agreements hold about a person (portal/personal_data.py), and the
retention of the documents of applications a program never selected (portal/retention.py)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from applications.models import (
    Agreement,
    AgreementState,
    Application,
    ApplicationDocument,
    EventType,
    Notification,
    Program,
    Signature,
    State,
)
from applications.services.events import event_record
from portal import personal_data, retention
from portal.formatting import day
from portal.labels import labels_of
from portal.models import DestructionRecord
from portal.personal_data import Holder, Section
from portal.retention import Destroyed, RetentionRule, months_before, months_text

# An agreement someone has signed and that has not ended: signed, countersigned, or executed
# and still within its period (협약기간).
SIGNED_STATES = (AgreementState.SIGNED, AgreementState.COUNTERSIGNED, AgreementState.EXECUTED)


def running_agreements_signed_by(user, *, today: datetime.date | None = None) -> list[tuple[str, datetime.date]]:
    """(agreement number, last day of its period) of each running agreement the person signed,
    for the company or for the agency."""
    today = today or timezone.localdate()
    running: dict[str, datetime.date] = {}
    signatures = (Signature.objects.filter(signer=user, version__agreement__state__in=SIGNED_STATES)
                  .select_related("version__agreement").order_by("version__agreement__number"))
    for signature in signatures:
        agreement = signature.version.agreement
        end = datetime.date.fromisoformat(signature.version.terms["end"])
        if agreement.state == AgreementState.EXECUTED and end < today:
            continue
        running[agreement.number] = max(end, running.get(agreement.number, end))
    return list(running.items())


def _obstacles(user) -> list[str]:
    return [
        _("You signed an agreement that is still running, so you cannot leave yet (agreement %(number)s, period until %(end)s). "
          "You can leave once its period has ended.") % {"number": number, "end": day(end)}
        for number, end in running_agreements_signed_by(user)
    ]


def _forget(user, *, now) -> None:
    Notification.objects.filter(user=user).delete()


def _their_applications(user):
    return Application.objects.filter(Q(company__memberships__user=user) | Q(created_by=user)).distinct()


def _about(user) -> list[tuple[str, list[str]]]:
    application_ids = list(_their_applications(user).values_list("pk", flat=True))
    agreement_ids = Agreement.objects.filter(application_id__in=application_ids).values_list("pk", flat=True)
    return [("applications.application", [str(pk) for pk in application_ids]),
            ("applications.agreement", [str(pk) for pk in agreement_ids])]


def _sections(user) -> list[Section]:
    started = Application.objects.filter(created_by=user).select_related("call", "company").order_by("-created_at")
    states = labels_of(Application, "state")

    def applications():
        for application in started:
            yield [application.receipt_number or "", application.call.title, application.company.name, states.get(application.state),
                   application.created_at, application.submitted_at]

    signatures = Signature.objects.filter(signer=user).select_related("version__agreement").order_by("-signed_at")
    sides = labels_of(Signature, "role")

    def signed():
        for signature in signatures:
            yield [signature.version.agreement.number, signature.version.number, sides.get(signature.role), signature.signer_name,
                   signature.signer_position, signature.signed_at, signature.ip_address]

    notices = Notification.objects.filter(user=user).order_by("-created_at")

    def notifications():
        for notice in notices.iterator(chunk_size=500):
            yield [notice.created_at, notice.message, notice.read_at]

    return [
        Section("applications_started", gettext_lazy("Applications you started"),
                (gettext_lazy("Receipt number"), gettext_lazy("Call"), gettext_lazy("Company"), gettext_lazy("Status"),
                 gettext_lazy("Started"), gettext_lazy("Submitted")), started.count(), applications),
        Section("signatures", gettext_lazy("Your signatures on agreements"),
                (gettext_lazy("Agreement number"), gettext_lazy("Version"), gettext_lazy("For"), gettext_lazy("Name as signed"),
                 gettext_lazy("Position as signed"), gettext_lazy("Time"), gettext_lazy("Address")), signatures.count(), signed),
        Section("notifications", gettext_lazy("Notices to you"),
                (gettext_lazy("Time"), pgettext_lazy("an in-app notice to a person", "Notice"), gettext_lazy("Read")),
                notices.count(), notifications),
    ]


personal_data.register(Holder(name="applications", obstacles=_obstacles, forget=_forget, sections=_sections, about=_about))


# --- Documents of applications never selected ----------------------------------------------

# Where an application ends without ever being selected. A waitlisted one is still counted
# from its last event, and a year after the call closed no place is offered any more.
NEVER_SELECTED = (State.DRAFT, State.INELIGIBLE, State.REJECTED, State.WAITLISTED, State.WITHDRAWN)


def unselected_with_documents(program: Program, cutoff: datetime.datetime):
    """Applications of the program never selected whose last event and call's closing are
    both before `cutoff`, with documents still held."""
    return (
        Application.objects.filter(call__program=program, state__in=NEVER_SELECTED, documents_destroyed_at__isnull=True,
                                   call__closes_at__lt=cutoff)
        .filter(Exists(ApplicationDocument.objects.filter(application=OuterRef("pk"))))
        .exclude(events__action__in=[EventType.SELECTED, EventType.OFFER_ACCEPTED])
        .annotate(last_event=Max("events__created_at"))
        .filter(last_event__lt=cutoff)
    )


def destroy_unselected_documents(now: datetime.datetime) -> list[Destroyed]:
    """Each program's period, from its rules: the documents' files and rows go, the
    application records that they were destroyed (an event on its chain) and keeps its
    answers, budget and history."""
    results = []
    for program in Program.objects.order_by("code"):
        cutoff = months_before(now, program.unselected_documents_months)
        destroyed = applications = 0
        for application_id in list(unselected_with_documents(program, cutoff).values_list("pk", flat=True)):
            application = Application.objects.select_for_update().get(pk=application_id)
            documents = list(ApplicationDocument.objects.filter(application=application))
            names = [(document.file.storage, document.file.name) for document in documents]
            ApplicationDocument.objects.filter(pk__in=[document.pk for document in documents]).delete()
            Application.objects.filter(pk=application.pk).update(documents_destroyed_at=now)
            event_record(application=application, actor=None, action=EventType.DOCUMENTS_DESTROYED,
                         data={"documents": len(documents), "months": program.unselected_documents_months})
            for storage, name in names:
                transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
            destroyed += len(documents)
            applications += 1
        results.append(Destroyed(count=destroyed, period=months_text(program.unselected_documents_months), cutoff=cutoff,
                                 detail={"program": program.code, "applications": applications}))
    return results


def _documents_period() -> str:
    periods = [f"{program.name} {months_text(program.unselected_documents_months)}" for program in Program.objects.order_by("name_ko")]
    if not periods:
        return _("As each program's rules set it")
    return _("As each program's rules set it, from the result or the call's closing: %(periods)s") % {"periods": ", ".join(periods)}


retention.register(RetentionRule(
    category="application_documents", method=DestructionRecord.Method.DELETED,
    label=gettext_lazy("Documents uploaded with an application that was never selected"),
    period=_documents_period,
    basis=gettext_lazy("Kept while the result may be contested (an administrative suit may be brought within a year, 행정소송법 §20 ②); "
                       "the application itself, without the documents, is kept with the program's records."),
    destroy=destroy_unselected_documents,
))
