"""The applicant's own copy: a read-only view of exactly what was submitted, and a PDF of it
with the receipt (접수증), rendered in Celery."""

from __future__ import annotations

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from applications import eligibility
from applications.models import Application, ApplicationCopy, EventType, FieldType, FormField
from applications.pdf import render_pdf
from applications.services.submission import DECLARATION_KEYS, budget_of
from portal import formatting
from portal.queue import enqueue_by_name


def submitted_answers(application: Application) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(question, answer as shown)]) in the form's order; choices by their labels."""
    fields = FormField.objects.filter(section__form=application.form_version).select_related("section").order_by(
        "section__order", "section__pk", "order", "pk")
    sections: dict[str, list[tuple[str, str]]] = {}
    for field in fields:
        sections.setdefault(field.section.title, []).append((field.label, answer_shown(field, application.answers.get(field.key, ""))))
    return list(sections.items())


def answer_shown(field: FormField, value) -> str:
    """One answer as a person reads it: choices by their labels, a date as 2027년 2월 1일(월),
    an amount as 120,000,000원 (what was stored stays as it was typed)."""
    if value is None or value == "":
        return ""
    if field.choices and field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        labels = dict(field.choice_options())
        return ", ".join(str(labels.get(v, v)) for v in (value if isinstance(value, list) else [value]) if v)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    try:
        if field.type == FieldType.DATE:
            return formatting.day(datetime.date.fromisoformat(str(value)))
        if field.type == FieldType.AMOUNT:
            return formatting.won(int(str(value).replace(",", "")))
    except ValueError:
        pass  # a draft's unchecked text is shown as typed
    return str(value)


def declarations_shown(application: Application) -> list[tuple[str, bool | None]]:
    """(what was declared, the answer) for each declaration of the form."""

    labels = eligibility.exclusion_labels()
    return [(labels[key], application.declarations.get(key)) for key in DECLARATION_KEYS]


def other_support_shown(application: Application) -> dict:
    """The declaration of support from other agencies: `declared` (None before it is
    answered), the rows (agency, program, amount) and their total."""
    rows = list(application.other_agency_support.all())
    return {"declared": application.declarations.get(eligibility.OTHER_SUPPORT), "rows": rows, "total": sum(r.amount for r in rows)}


def declared_at_each_sending(events) -> list[dict]:
    """What the company declared each time it sent the application (the submission, then each
    revision sent back), read from the events that recorded it (`submission.declared_record`),
    oldest first: `event`, `other_support` (as `other_support_shown` gives it), and for every
    sending after the first what changed since the one before: `changed` (declaration, then,
    now), the other agencies' answer before (`other_support_was`, `other_support_changed`), the
    rows `removed` and `added`, and a row of the same agency and program sent with another
    amount as `amended` (the row then, the row now) rather than removed and added. Events from
    before declarations were recorded are left out."""

    labels = eligibility.exclusion_labels()
    sendings: list[dict] = []
    for event in events:
        if event.action not in (EventType.SUBMITTED, EventType.REVISION_SENT) or "declarations" not in event.data:
            continue
        declarations, rows = event.data["declarations"], event.data.get("other_agency_support", [])
        sending = {"event": event, "declarations": declarations, "rows": rows,
                   "other_support": {"declared": declarations.get(eligibility.OTHER_SUPPORT), "rows": rows,
                                     "total": sum(row["amount"] for row in rows)}}
        if sendings:
            before = sendings[-1]
            sending["changed"] = [(labels[key], before["declarations"].get(key), declarations.get(key)) for key in DECLARATION_KEYS
                                  if before["declarations"].get(key) != declarations.get(key)]
            sending["removed"], sending["added"], sending["amended"] = _rows_compared(before["rows"], rows)
            sending["other_support_was"] = before["other_support"]["declared"]
            sending["other_support_changed"] = sending["other_support_was"] != sending["other_support"]["declared"]
        sendings.append(sending)
    return sendings


def _rows_compared(then: list[dict], now: list[dict]) -> tuple[list[dict], list[dict], list[tuple[dict, dict]]]:
    """The rows gone, the rows new, and the pairs (then, now) of one agency and program whose
    amount changed. Equal rows on both sides cancel out one for one."""
    removed, added = list(then), []
    for row in now:
        if row in removed:
            removed.remove(row)
        else:
            added.append(row)
    amended = []
    for row in list(added):
        same = next((old for old in removed if (old["agency"], old["program"]) == (row["agency"], row["program"])), None)
        if same is not None:
            removed.remove(same)
            added.remove(row)
            amended.append((same, row))
    return removed, added, amended


def copy_context(application: Application) -> dict:
    """Everything the copy shows, the page and the PDF alike."""

    lines = list(application.budget_lines.all())
    return {
        "application": application,
        "company": application.company_submitted,
        "answers": submitted_answers(application),
        "lines": lines,
        "budget": budget_of(application, lines),
        # In the call's order of its required documents (several files of one together), then
        # the files attached to questions, each group as uploaded.
        "documents": list(application.documents.select_related("requirement").order_by(
            F("requirement__order").asc(nulls_last=True), F("requirement_id").asc(nulls_last=True), "pk")),
        "declarations": declarations_shown(application),
        "other_support": other_support_shown(application),
        "snapshot": application.eligibility_snapshot,
    }


def copy_request(*, user, application: Application) -> ApplicationCopy:
    """The copy of the application's history as it stands; asked for again, the same one.
    The caller checked that the person may see the application and that it was submitted."""
    with transaction.atomic():
        copy, created = ApplicationCopy.objects.get_or_create(application=application, event_head=application.event_head,
                                                              defaults={"requested_by": user})
        if created or copy.status == ApplicationCopy.Status.FAILED:
            if not created:
                ApplicationCopy.objects.filter(pk=copy.pk).update(status=ApplicationCopy.Status.PENDING, error="")
            transaction.on_commit(lambda: _queue(copy.pk), robust=True)
    return copy


def _queue(copy_id: int) -> None:
    enqueue_by_name("applications.tasks.render_copy", copy_id)  # if the broker is away, the periodic sweep queues it


def copy_render(*, copy_id: int) -> None:
    """What the worker does: render the PDF and store it (again harmless: the same bytes)."""

    copy = ApplicationCopy.objects.select_related("application__call__program", "application__company").get(pk=copy_id)
    if copy.status == ApplicationCopy.Status.DONE:
        return
    application = copy.application
    data = render_pdf("applications/pdf/copy.html", copy_context(application) | {"printed_at": timezone.now()},
                      title=f"{application.receipt_number} 신청서 사본")
    copy.pdf.save(f"{application.receipt_number}-{copy.event_head[:12]}.pdf", ContentFile(data), save=False)
    copy.pdf_sha256 = hashlib.sha256(data).hexdigest()
    copy.status, copy.finished_at, copy.error = ApplicationCopy.Status.DONE, timezone.now(), ""
    copy.save(update_fields=["pdf", "pdf_sha256", "status", "finished_at", "error"])


def copy_failed(*, copy_id: int, error: str) -> None:
    ApplicationCopy.objects.filter(pk=copy_id).update(status=ApplicationCopy.Status.FAILED, error=error[:2000])
