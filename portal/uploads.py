"""Uploads are judged by their content, never by their name or the browser's type."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from portal.active_content import ContentRefused, refuse_active_content
from portal.file_formats import FileFormat
from portal.ole import OLE_MAGIC, is_hwp5

log = logging.getLogger(__name__)
ZIP_MAGIC = b"PK\x03\x04"
# Markup a browser would run if the file were ever read as a page: a tag's name right after
# "<" and ended by a space, "/" or ">" as HTML parses it. Looked for in the whole file, whose
# compressed parts are random bytes: the required end makes a chance match in them rare (about
# one in 800 files of 20 MB for "<svg", against one in 35 with a mere word boundary).
ACTIVE_CONTENT = re.compile(rb"<(script|html|iframe|svg|object|embed)[\s/>]", re.IGNORECASE)
ACTIVE_CONTENT_LONGEST = len(b"<iframe ") - 1  # the bytes carried over between chunks
SCAN_CHUNK = 256 * 1024
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


def has_active_content(handle: IO[bytes]) -> bool:
    """Markup a browser would run, anywhere in the file: read a chunk at a time (memory stays
    at one chunk however large the file), each searched together with the end of the one
    before, so that a tag split between two chunks is found too."""
    handle.seek(0)
    carried = b""
    while chunk := handle.read(SCAN_CHUNK):
        if ACTIVE_CONTENT.search(carried + chunk):
            return True
        carried = chunk[-ACTIVE_CONTENT_LONGEST:]
    return False


def _read_at(handle: IO[bytes], offset: int, size: int) -> bytes:
    handle.seek(offset)
    return handle.read(size)


def _zip_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    # An encrypted entry raises RuntimeError, an unknown compression method NotImplementedError,
    # a broken local header BadZipFile: detect_format turns each into "not an accepted format".
    with archive.open(name) as entry:
        return entry.read(200)


def detect_format(content: bytes | IO[bytes]) -> str | None:
    """The format the content is (bytes, or a seekable file read in chunks), or None: a file
    no parser here reads whole, however it is crafted, or one that carries active content
    anywhere, is not an accepted format (never an error page). inspect_content says why."""
    handle = io.BytesIO(content) if isinstance(content, (bytes, bytearray)) else content
    try:
        return inspect_content(handle)
    except ContentRefused:
        return None


def inspect_content(handle: IO[bytes]) -> str | None:
    """The format of the content, None when it is none of the accepted formats (or carries
    markup a browser would run); ContentRefused, in words, when it is one but carries active
    content inside (a PDF's script, a document's macro), cannot be read whole, or unpacks to
    far more than a document does (portal/active_content.py)."""
    try:
        detected = _detect_format(handle)
        if detected is None or has_active_content(handle):
            return None
    except Exception:
        log.info("unreadable upload", exc_info=True)
        return None
    refuse_active_content(handle, detected)
    return detected


def _detect_format(handle: IO[bytes]) -> str | None:
    head = _read_at(handle, 0, 8)
    size = handle.seek(0, io.SEEK_END)
    if head.startswith(b"%PDF-"):
        return FileFormat.PDF if b"%%EOF" in _read_at(handle, max(0, size - 2048), 2048) else None
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return FileFormat.IMAGE if _is_real_image(handle) else None
    if head == OLE_MAGIC:
        # The compound-file reader works on the file's bytes; an HWP document is read whole.
        return FileFormat.HWP if is_hwp5(_read_at(handle, 0, size)) else None
    if head.startswith(ZIP_MAGIC):
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and _zip_entry(archive, "mimetype").startswith(b"application/hwp+zip"):
                return FileFormat.HWPX
        if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
            return FileFormat.XLSX
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return FileFormat.DOCX
    return None


def _is_real_image(handle: IO[bytes]) -> bool:
    from PIL import Image

    handle.seek(0)
    try:
        with Image.open(handle) as image:
            image.verify()
        return True
    except Exception:
        return False


def inspect_upload(upload: UploadedFile, *, formats: list[str], max_bytes: int) -> InspectedFile:
    """The upload judged by its content, read a chunk at a time: a large file (Django keeps
    one over 2.5 MB on disk) is never held in memory whole, except an HWP compound file."""
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the limit per file is %(limit)s.") % {"size": human_size(upload.size), "limit": human_size(max_bytes)},
            code="too_large",
        )
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    handle = upload.file
    head = _read_at(handle, 0, 8)
    if head.startswith(EXECUTABLE_MAGICS):
        raise ValidationError(_("Programs and scripts cannot be uploaded."), code="executable")
    detected = inspect_content(handle)
    handle.seek(0)
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
        size=size,
        sha256=digest.hexdigest(),
        safe_name=name_for_content(safe_file_name(upload.name, fallback_ext=detected), detected, head),
    )


# The extensions a file of each inspected format may keep; the first is the one given.
EXTENSIONS = {
    FileFormat.PDF: ("pdf",), FileFormat.HWP: ("hwp",), FileFormat.HWPX: ("hwpx",),
    FileFormat.XLSX: ("xlsx",), FileFormat.DOCX: ("docx",),
}


def name_for_content(name: str, detected_format: str, head: bytes = b"") -> str:
    """`name` ending in an extension of the content it names: a PDF uploaded as `poly.html`
    or `invoice\u202efdp.exe` is saved as `poly.html.pdf`, `invoicefdp.exe.pdf` (format
    characters such as the right-to-left override are gone already, see safe_file_name)."""
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if detected_format == FileFormat.IMAGE:
        allowed = ("png",) if head.startswith(b"\x89PNG") else ("jpg", "jpeg")
    else:
        allowed = EXTENSIONS.get(detected_format, ("bin",))
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension.lower() in allowed:
        return name
    return f"{name}.{allowed[0]}"


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


# The second line of defence, should a file with active content ever get past the checks above:
# a download is an attachment (never shown inline), its type is never sniffed from its bytes,
# and opened anyway it runs in a sandbox with nothing allowed to load.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def as_safe_download(response):
    """`response` (a FileResponse with as_attachment=True) with the headers of every uploaded file's download."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


def document_response(document):
    """An uploaded document as a download: typed by its inspected content, never shown
    inline, never sniffed by the browser, sandboxed if opened anyway."""
    from django.http import FileResponse

    handle = document.file.open("rb")
    head = handle.read(8)
    handle.seek(0)
    return as_safe_download(FileResponse(handle, as_attachment=True, filename=name_for_content(document.original_name, document.detected_format, head),
                                         content_type=content_type_of(document.detected_format, head)))
