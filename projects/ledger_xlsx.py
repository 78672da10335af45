"""The ledger's XLSX file: the template a company downloads, and the reading of the file it
uploads — refused before any row is checked when it holds formulas, merged cells or more rows
than the cap. The sheet is read as a stream (openpyxl's read-only mode): a file of 100,000
rows is refused after the cap's rows are read, never loaded whole."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from portal.uploads import inspect_upload
from projects.ledger import Entry
from projects.models import EvidenceKind

ROW_CAP = 5000
XLSX_MAX_BYTES = 10 * 1024 * 1024
HEADER = ["비목 번호", "지출일(YYYY-MM-DD)", "거래처명", "거래처 사업자등록번호", "공급가액(원)", "부가가치세(원)", "증빙 종류", "증빙 번호"]
KINDS = {"전자세금계산서": EvidenceKind.TAX_INVOICE, "카드전표": EvidenceKind.CARD, "계좌이체": EvidenceKind.TRANSFER,
         "현금영수증": EvidenceKind.CASH}
MERGE = re.compile(rb"<(?:\w+:)?mergeCell[\s>/]")
ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")


def template(lines) -> bytes:
    """The template: the header, and a second sheet naming the budget lines by their number."""
    book = Workbook()
    sheet = book.active
    sheet.title = "지출내역"
    sheet.append(HEADER)
    guide = book.create_sheet("비목")
    guide.append(["비목 번호", "비목", "금액(원)", "현물"])
    for line in lines:
        guide.append([line.pk, line.description, line.amount, "현물" if line.is_in_kind else "현금"])
    guide.append([])
    guide.append(["증빙 종류", ", ".join(KINDS)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_scan(handle) -> tuple[bool, int]:
    """Whether any sheet has merged cells (read-only mode does not report them), and the most
    rows a sheet has: the sheets' XML read as a stream, a chunk at a time, before openpyxl
    reads any of it (openpyxl itself parses a whole sheet that does not state its size)."""
    handle.seek(0)
    merged, most = False, 0
    with zipfile.ZipFile(handle) as archive:
        for name in archive.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            carried, rows = b"", 0
            with archive.open(name) as part:
                while chunk := part.read(256 * 1024):
                    text = carried + chunk
                    merged = merged or bool(MERGE.search(text))
                    # A tag wholly inside the carried bytes was counted with the chunk before.
                    rows += sum(1 for m in ROW.finditer(text) if m.end() > len(carried))
                    if rows > ROW_CAP + 1:
                        return merged, rows
                    carried = chunk[-20:]
            most = max(most, rows)
    return merged, most


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value or "").replace(",", "").replace(" ", "").removesuffix("원")
    return int(text) if re.fullmatch(r"-?[0-9]{1,15}", text) else None


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _too_many_rows() -> ValidationError:
    return ValidationError(_("The file has more than %(cap)s expense rows: split it into files of at most %(cap)s rows. "
                             "Nothing was imported.") % {"cap": f"{ROW_CAP:,}"}, code="too_many_rows")


def read_entries(upload: UploadedFile) -> list[Entry]:
    """The rows of an uploaded ledger file, or ValidationError (nothing read further) when the
    file is not a plain XLSX of at most ROW_CAP rows without formulas or merged cells."""
    inspect_upload(upload, formats=["xlsx"], max_bytes=XLSX_MAX_BYTES)
    handle = upload.file
    merged, rows = _sheet_scan(handle)
    if rows > ROW_CAP + 1:  # the header, and at most ROW_CAP expenses
        raise _too_many_rows()
    if merged:
        raise ValidationError(_("The file has merged cells: use the template as it is, one expense a row. Nothing was imported."),
                              code="merged")
    handle.seek(0)
    try:
        book = load_workbook(handle, read_only=True, data_only=False)
    except Exception as exc:
        raise ValidationError(_("The file could not be read as an Excel workbook. Nothing was imported."), code="unreadable") from exc
    try:
        sheet = book.worksheets[0]
        entries: list[Entry] = []
        for index, row in enumerate(sheet.iter_rows(values_only=False)):
            if index > ROW_CAP:
                raise _too_many_rows()
            if any(getattr(cell, "data_type", None) == "f" for cell in row):
                raise ValidationError(_("The file has formulas (row %(row)s): enter the values themselves. Nothing was imported.")
                                      % {"row": index + 1}, code="formula")
            values = [getattr(cell, "value", None) for cell in row][: len(HEADER)]
            values += [None] * (len(HEADER) - len(values))
            if index == 0 or all(v is None or _text(v) == "" for v in values):
                continue
            line, spent_on, payee, number, supply, vat, kind, evidence = values
            entries.append(Entry(budget_line_id=_int(line), spent_on=_date(spent_on), payee_name=_text(payee),
                                 payee_business_number=_text(number), supply_amount=_int(supply), vat=_int(vat) if vat not in (None, "") else 0,
                                 evidence_kind=KINDS.get(_text(kind), _text(kind)), evidence_number=_text(evidence)))
    finally:
        book.close()
    return entries
