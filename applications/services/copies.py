"""The applicant's own copy: a read-only view of exactly what was submitted, and a PDF of it
with the receipt (접수증), rendered in Celery."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from applications import eligibility
from applications.models import Application, ApplicationCopy, FormField
from portal.queue import enqueue


def submitted_answers(application: Application) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(question, answer as shown)]) in the form's order; choices by their labels."""
    fields = FormField.objects.filter(section__form=application.form_version).select_related("section").order_by(
        "section__order", "section__pk", "order", "pk")
    sections: dict[str, list[tuple[str, str]]] = {}
    for field in fields:
        value = application.answers.get(field.key, "")
        if field.choices and field.type in ("choice", "multi_choice"):
            labels = dict(field.choice_options())
            value = ", ".join(str(labels.get(v, v)) for v in (value if isinstance(value, list) else [value]) if v)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        sections.setdefault(field.section.title, []).append((field.label, "" if value is None else str(value)))
    return list(sections.items())


def declarations_shown(application: Application) -> list[tuple[str, bool | None]]:
    """(what was declared, the answer) for each declaration of the form."""
    from applications.services.submission import DECLARATION_KEYS

    labels = eligibility.exclusion_labels()
    return [(labels[key], application.declarations.get(key)) for key in DECLARATION_KEYS]


def copy_context(application: Application) -> dict:
    """Everything the copy shows, the page and the PDF alike."""
    from applications.services.submission import budget_of

    lines = list(application.budget_lines.all())
    return {
        "application": application,
        "company": application.company_submitted,
        "answers": submitted_answers(application),
        "lines": lines,
        "budget": budget_of(application, lines),
        "documents": list(application.documents.select_related("requirement").order_by("pk")),
        "declarations": declarations_shown(application),
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
    from applications.tasks import render_copy

    enqueue(render_copy, copy_id)  # if the broker is away, the periodic sweep queues it


def copy_render(*, copy_id: int) -> None:
    """What the worker does: render the PDF and store it (again harmless: the same bytes)."""
    from applications.pdf import render_pdf

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
