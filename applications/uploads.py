"""Uploads are judged by their content, never by their name or the browser's type."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from applications.models import FileFormat

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Markup a browser would run if the file were ever shown inline.
ACTIVE_CONTENT = re.compile(rb"<\s*(script|html|iframe|svg|object|embed)\b", re.IGNORECASE)
EXECUTABLE_MAGICS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa", b"#!")


@dataclass(frozen=True)
class InspectedFile:
    format: str
    size: int
    sha256: str
    safe_name: str


def safe_file_name(name: str, *, fallback_ext: str) -> str:
    """The uploader's name for display only: no path, no control characters, bounded."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".") or f"document.{fallback_ext}"
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return set()


def _zip_entry(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        with archive.open(name) as entry:
            return entry.read(200)


def detect_format(data: bytes) -> str | None:
    head = data[:8]
    if data.startswith(b"%PDF-"):
        # A PDF that is also an HTML page or a script (a polyglot) is refused.
        if b"%%EOF" not in data[-2048:] or ACTIVE_CONTENT.search(data[:4096]):
            return None
        return FileFormat.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return FileFormat.IMAGE if _is_real_image(data) else None
    if head == OLE_MAGIC:
        return FileFormat.HWP if b"HWP Document File" in data[:1_048_576] else None
    if data.startswith(ZIP_MAGIC):
        names = _zip_names(data)
        if "mimetype" in names and _zip_entry(data, "mimetype").startswith(b"application/hwp+zip"):
            return FileFormat.HWPX
        if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
            return FileFormat.XLSX
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return FileFormat.DOCX
    return None


def _is_real_image(data: bytes) -> bool:
    from PIL import Image

    if ACTIVE_CONTENT.search(data):
        return False
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        return True
    except Exception:
        return False


def inspect_upload(upload: UploadedFile, *, formats: list[str], max_bytes: int) -> InspectedFile:
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit per file is %(limit)s.") % {"size": human_size(upload.size), "limit": human_size(max_bytes)},
            code="too_large",
        )
    data = b"".join(upload.chunks())
    if data.startswith(EXECUTABLE_MAGICS):
        raise ValidationError(_("Programs and scripts cannot be uploaded."), code="executable")
    detected = detect_format(data)
    allowed = ", ".join(str(FileFormat(f).label) for f in formats if f in FileFormat.values)
    if detected is None:
        raise ValidationError(
            _("The content of this file is not one of the accepted formats (%(allowed)s), whatever its name says.") % {"allowed": allowed},
            code="unknown_format",
        )
    if detected not in formats:
        raise ValidationError(
            _("This file is a %(found)s file; this document accepts %(allowed)s.") % {"found": FileFormat(detected).label, "allowed": allowed},
            code="wrong_format",
        )
    return InspectedFile(
        format=detected,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        safe_name=safe_file_name(upload.name, fallback_ext=detected),
    )


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


# The type a download is served with comes from the content as inspected at upload, never
# from the uploader's file name.
CONTENT_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.HWP: "application/x-hwp",
    FileFormat.HWPX: "application/hwp+zip",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def content_type_of(detected_format: str, head: bytes = b"") -> str:
    if detected_format == FileFormat.IMAGE:
        return "image/png" if head.startswith(b"\x89PNG") else "image/jpeg" if head.startswith(b"\xff\xd8") else "application/octet-stream"
    return CONTENT_TYPES.get(detected_format, "application/octet-stream")


def document_response(document):
    """An uploaded document as a download: typed by its inspected content, never shown
    inline, never sniffed by the browser, sandboxed if opened anyway."""
    from django.http import FileResponse

    handle = document.file.open("rb")
    head = handle.read(8)
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=content_type_of(document.detected_format, head))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
