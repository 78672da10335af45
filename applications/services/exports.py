"""Exports of a call's applications for the committee, built in Celery in chunks."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Application, Call, Export, State
from portal.csv_cells import csv_safe
from portal.models import Region
from portal.queue import enqueue_by_name

log = logging.getLogger(__name__)
CHUNK = 500


@dataclass(frozen=True, slots=True)
class ExportKind:
    """What one kind of export writes: its header row, its number of rows and the rows."""

    header: Callable[[Export], list[str]]
    count: Callable[[Export], int]
    rows: Callable[[Export], Iterable]


# Each kind of export by its name: the screening queue is this app's; the evaluation's kinds
# (scores, ranking, selection) are registered by reviews (reviews/exports.py), which sits above.
KINDS: dict[str, ExportKind] = {}


def register(name: str, kind: ExportKind) -> None:
    KINDS[name] = kind


def export_request(*, user, call: Call, format: str, kind: str = "queue") -> Export:
    if kind not in KINDS:
        raise ValueError(kind)
    export = Export.objects.create(call=call, format=format, requested_by=user, kind=kind)
    transaction.on_commit(lambda: _queue(export.pk), robust=True)
    return export


def _queue(export_id: int) -> None:
    enqueue_by_name("applications.tasks.build_export", export_id)  # else it stays waiting for the sweep


def _header(export: Export) -> list[str]:
    return KINDS[export.kind].header(export)


def _count(export: Export) -> int:
    return KINDS[export.kind].count(export)


def _rows_for(export: Export):
    return KINDS[export.kind].rows(export)


def _queue_header(export: Export) -> list[str]:
    return [_("Receipt number"), _("Company"), _("Business registration number"), _("Region"), _("Industry (KSIC)"),
            _("Status"), _("Submitted"), _("Project title"), _("Government grant"), _("Rule issues")]


def _queue_count(export: Export) -> int:
    return Application.objects.filter(call=export.call).exclude(state=State.DRAFT).count()


def _rows(call: Call):
    queryset = (
        Application.objects.filter(call=call).exclude(state=State.DRAFT)
        .select_related("company").order_by("receipt_number")
    )
    for application in queryset.iterator(chunk_size=CHUNK):
        company = application.company_submitted  # as the application was judged
        yield [
            application.receipt_number, company.name, company.business_number_display,
            str(Region(company.region).label), company.ksic_code, str(State(application.state).label),
            timezone.localtime(application.submitted_at).strftime("%Y-%m-%d %H:%M:%S") if application.submitted_at else "",
            application.project_title, application.grant_requested, application.rule_issues.strip(","),
        ]


def export_build(*, export_id: int) -> Export:
    export = Export.objects.select_related("call").get(pk=export_id)
    if export.status == Export.Status.DONE:
        return export  # a retried task finds the work done
    total = _count(export)
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, total=total, done=0)
    with translation.override("ko"):
        header = _header(export)
        if export.format == Export.Format.XLSX:
            content = _xlsx(export, header)
        else:
            content = _csv(export, header)
    name = f"{export.call.code}-{export.kind}-{timezone.localtime():%Y%m%d-%H%M}.{export.format}"
    export.file.save(name, ContentFile(content), save=False)
    export.status, export.done, export.total, export.finished_at = Export.Status.DONE, total, total, timezone.now()
    export.save(update_fields=["file", "status", "done", "total", "finished_at"])
    return export


def _progress(export: Export, done: int) -> None:
    if done % CHUNK == 0:
        Export.objects.filter(pk=export.pk).update(done=done)


# CSV cells get a leading apostrophe where a spreadsheet would read a formula (portal/csv_cells.py);
# XLSX cells are written with the string type, so they show exactly what was typed.
def _csv(export: Export, header: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for done, row in enumerate(_rows_for(export), start=1):
        writer.writerow([csv_safe(value) for value in row])
        _progress(export, done)
    # A byte-order mark so that spreadsheet programs read the Korean text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(export: Export, header: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(export.call.code[:31])
    sheet.append(header)

    def cell(value):
        if not isinstance(value, str):
            return value
        written = WriteOnlyCell(sheet, value=value)
        written.data_type = "s"  # never a formula, whatever the text starts with
        return written

    for done, row in enumerate(_rows_for(export), start=1):
        sheet.append([cell(value) for value in row])
        _progress(export, done)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_fail(*, export_id: int, error: str) -> None:
    Export.objects.filter(pk=export_id).update(status=Export.Status.FAILED, error=error[:2000], finished_at=timezone.now())


register("queue", ExportKind(header=_queue_header, count=_queue_count, rows=lambda export: _rows(export.call)))
