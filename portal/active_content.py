"""Active content inside an upload's compressed parts, found by reading its structure.

The raw-bytes scan in uploads.py finds markup a browser would run. It cannot see into a PDF's
compressed object streams or a zip's deflated entries, where a reader's active content lives:

- **PDF**, parsed by qpdf (pikepdf): every object the cross-reference table names — those in
  compressed object streams too, each name decoded (`/J#61vaScript` is `/JavaScript`) — and
  every dictionary or array inside it, for scripts (`/JavaScript`, `/JS`, XFA forms), actions
  run on opening or on events (`/OpenAction` other than going to a page, `/AA`), programs
  launched (`/Launch`), embedded files (`/EmbeddedFile(s)`, `/EF`, file attachments) and rich
  media. Page content streams are drawing instructions, where such names do nothing; they are
  not decoded. A PDF that needs a password to open cannot be checked and is refused.
- **Zip-based documents** (DOCX, XLSX, HWPX): every entry's name, and the parts that say what
  the document runs or loads — `[Content_Types].xml`, the relationships, HWPX's scripts and
  the embedded objects — for VBA macros (`vbaProject.bin`, macro-enabled types), ActiveX
  controls, scripts and programs, OLE packages and Equation Editor 3.0 objects, and external
  relationships that load or run something when the document opens (a remote template, an
  OLE link, a frame; any target with a script's extension or a scheme such as `mhtml:`).
  Hyperlinks to web and mail addresses stay. Hancom Office writes into every HWPX a script
  part holding only declarations and empty event handlers: that part is accepted, any other
  code is not. One embedded OOXML document (a chart's workbook) is checked in turn.

Bounds, so that a crafted file is refused in moments and never fills the memory: a zip's entry
count and the sizes its directory declares are checked before anything is unpacked (Python's
zipfile never unpacks more than an entry declares), each part read is at most ZIP_PART_MAX,
and qpdf's decoders are capped at PDF_DECODE_MAX each. Any exception while reading is a
refusal in words (ContentRefused), never an error page."""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.file_formats import FileFormat
from portal.ole import OLE_MAGIC, CompoundFile, OleError

ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_UNPACKED = 512 * 1024 * 1024
ZIP_PART_MAX = 64 * 1024 * 1024
PDF_DECODE_MAX = 64 * 1024 * 1024
# Enough for any real document; a file with more warnings is damaged beyond checking.
PDF_MAX_WARNINGS = 10_000

PDF_WORDS = {
    "script": gettext_lazy("scripts (JavaScript)"),
    "action": gettext_lazy("actions run when it is opened or used"),
    "launch": gettext_lazy("a command that launches a program"),
    "embedded": gettext_lazy("embedded files"),
    "media": gettext_lazy("embedded multimedia (RichMedia)"),
}
PDF_KEYS = {
    "/JavaScript": "script", "/JS": "script", "/XFA": "script", "/AA": "action", "/Launch": "launch",
    "/EmbeddedFile": "embedded", "/EmbeddedFiles": "embedded", "/EF": "embedded",
    "/RichMedia": "media", "/RichMediaContent": "media", "/RichMediaSettings": "media",
}
# Values of /S (an action's type), /Type and /Subtype that are active content themselves.
PDF_NAMES = {
    "/JavaScript": "script", "/Launch": "launch", "/ImportData": "action", "/GoToE": "embedded",
    "/EmbeddedFile": "embedded", "/FileAttachment": "embedded", "/RichMedia": "media", "/RichMediaExecute": "media",
}

DOCUMENT_WORDS = {
    "macro": gettext_lazy("macros (VBA)"),
    "activex": gettext_lazy("ActiveX controls"),
    "script": gettext_lazy("scripts or programs"),
    "object": gettext_lazy("embedded objects that can run a program (OLE packages, Equation Editor 3.0)"),
    "external": gettext_lazy("links that load or run outside content when it is opened"),
}
SCRIPT_EXTENSIONS = {
    "js", "jse", "mjs", "vbs", "vbe", "wsf", "wsh", "hta", "ps1", "psm1", "bat", "cmd", "com", "exe", "dll", "scr", "cpl",
    "msi", "jar", "lnk", "sct", "pif", "reg", "application", "xbap",
}
MACRO_DOCUMENTS = {"docm", "dotm", "xlsm", "xltm", "xlsb", "xlam", "pptm", "potm", "ppsm", "ppam", "sldm"}
OOXML_DOCUMENTS = {"docx", "xlsx", "pptx"}
MACRO_PART_NAMES = {"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin", "vbaprojectsignatureagile.bin"}
# The streams and storages of an OLE object that run something: a packaged file (Packager),
# an Equation Editor 3.0 equation (CVE-2017-11882), VBA.
OLE_ACTIVE = {"\x01Ole10Native", "Equation Native", "VBA", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "Macros"}
# Relationships that load or run their target when the document opens, wherever it points.
LOADING_RELATIONSHIPS = {"attachedtemplate", "oleobject", "subdocument", "frame", "package", "control", "activexcontrol",
                         "activexcontrolbinary"}
SAFE_SCHEMES = {"http", "https", "mailto", "file", ""}

RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
MACRO_CONTENT_TYPE = re.compile(rb"macroEnabled|vbaProject|vbaData|activeX", re.IGNORECASE)
# What Hancom Office writes into every HWPX's Scripts/: declarations of the document's objects
# (a path, or a path ending in ItemFromName("…")) and empty event handlers.
HANCOM_DECLARATION = re.compile(r"\bvar\s+[A-Za-z_$][\w$]*\s*=\s*[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
                                r"(?:\.ItemFromName\(\s*\"[^\"\r\n]*\"\s*\))?\s*;?")
HANCOM_EMPTY_HANDLER = re.compile(r"\bfunction\s+[A-Za-z_$][\w$]*\s*\(\s*\)\s*\{\s*\}")
SCRIPT_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)


class ContentRefused(ValidationError):
    """The content of an upload, refused in words for the uploader."""


def _refused(message: str, code: str) -> ContentRefused:
    return ContentRefused(message, code=code)


def refuse_active_content(handle: IO[bytes], detected_format: str) -> None:
    """Raise ContentRefused when the file of this format carries active content where the
    raw bytes do not show it, or cannot be read whole to tell."""
    label = FileFormat(detected_format).label
    try:
        if detected_format == FileFormat.PDF:
            found = _pdf_active(handle)
            if found:
                raise _refused(_("This PDF contains what uploads may not carry: %(what)s. Save or print it again as a PDF "
                                 "without them and upload that.") % {"what": PDF_WORDS[found]}, "active_content")
        elif detected_format in (FileFormat.DOCX, FileFormat.XLSX, FileFormat.HWPX):
            found = _zip_active(handle, detected_format)
            if found:
                raise _refused(_("This document contains what uploads may not carry: %(what)s. Save it again without them "
                                 "(as .docx, .xlsx or .hwpx without macros) and upload that.") % {"what": DOCUMENT_WORDS[found]},
                               "active_content")
    except ContentRefused:
        raise
    except _TooLarge as exc:
        if exc.part:
            raise _refused(_("A part of this file unpacks to more than %(limit)s, more than the portal reads to check it; "
                             "the file is not accepted.") % {"limit": f"{ZIP_PART_MAX // 2**20} MB"}, "unpacks_too_large") from None
        raise _refused(_("This file unpacks to more than %(limit)s or holds more than %(entries)s parts, more than any "
                         "document needs; it is not accepted.") % {"limit": f"{ZIP_MAX_UNPACKED // 2**20} MB",
                                                                   "entries": f"{ZIP_MAX_ENTRIES:,}"}, "unpacks_too_large") from None
    except _PasswordNeeded:
        raise _refused(_("This PDF is protected by a password, so its content cannot be checked. Remove the password and "
                         "upload it again."), "encrypted") from None
    except Exception:
        raise _refused(_("This %(format)s file is damaged and cannot be read, so its content cannot be checked. Save it "
                         "again and upload that.") % {"format": label}, "damaged") from None
    finally:
        handle.seek(0)


class _TooLarge(Exception):
    def __init__(self, *, part: bool = False) -> None:
        super().__init__()
        self.part = part


class _PasswordNeeded(Exception):
    pass


# --- PDF --------------------------------------------------------------------------------------

_limits_set = False


def _pikepdf():
    """pikepdf, with qpdf's decoders capped once for the process (qpdf's limits are global)."""
    global _limits_set
    import pikepdf

    if not _limits_set:
        pikepdf.settings.set_qpdf_limits(flate_max_memory=PDF_DECODE_MAX, png_max_memory=PDF_DECODE_MAX,
                                         run_length_max_memory=PDF_DECODE_MAX, tiff_max_memory=PDF_DECODE_MAX,
                                         dct_max_memory=PDF_DECODE_MAX, doc_max_warnings=PDF_MAX_WARNINGS)
        _limits_set = True
    return pikepdf


def _pdf_active(handle: IO[bytes]) -> str | None:
    """The kind of active content the PDF holds (a key of PDF_WORDS), or None."""
    pikepdf = _pikepdf()
    handle.seek(0)
    try:
        pdf = pikepdf.open(handle, inherit_page_attributes=False)
    except pikepdf.PasswordError:
        raise _PasswordNeeded() from None
    with pdf:
        found = _pdf_object_active(pikepdf, pdf.trailer)
        if found:
            return found
        for obj in pdf.objects:  # every object the cross-reference table names, object streams' too
            found = _pdf_object_active(pikepdf, obj)
            if found:
                return found
    return None


def _pdf_object_active(pikepdf, root) -> str | None:
    """Active content in one indirect object and the dictionaries and arrays written inside it
    (the objects it refers to are visited on their own)."""
    pending = [root]
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Array):
            pending += [item for item in obj if isinstance(item, (pikepdf.Dictionary, pikepdf.Array)) and not item.is_indirect]
            continue
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        keys = set(obj.keys())
        for key in sorted(keys & PDF_KEYS.keys()):
            return PDF_KEYS[key]
        for key in ("/S", "/Type", "/Subtype"):
            value = obj.get(key)
            if isinstance(value, pikepdf.Name) and str(value) in PDF_NAMES:
                return PDF_NAMES[str(value)]
        if "/OpenAction" in keys:
            action = obj.get("/OpenAction")
            # Opening at a page (an array, or a GoTo action) is what most PDFs do; any other action is not.
            if isinstance(action, pikepdf.Dictionary) and str(action.get("/S", "")) != "/GoTo":
                return PDF_NAMES.get(str(action.get("/S", "")), "action")
        # A stream's dictionary is walked like any other (its data is not parsed).
        for key in keys:
            value = obj.get(key)
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
                pending.append(value)
    return None


# --- Zip-based documents ----------------------------------------------------------------------

@dataclass
class _Budget:
    entries: int = 0
    unpacked: int = 0

    def count(self, infos: list[zipfile.ZipInfo]) -> None:
        self.entries += len(infos)
        self.unpacked += sum(info.file_size for info in infos)
        if self.entries > ZIP_MAX_ENTRIES or self.unpacked > ZIP_MAX_UNPACKED:
            raise _TooLarge()


def _zip_active(handle: IO[bytes], detected_format: str) -> str | None:
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        return _archive_active(archive, detected_format, _Budget(), nested=False)


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > ZIP_PART_MAX:
        raise _TooLarge(part=True)
    with archive.open(info) as entry:
        # Never more than the entry declares: a deflate stream that goes on is cut there (and its CRC fails).
        return entry.read(ZIP_PART_MAX + 1)


def _archive_active(archive: zipfile.ZipFile, detected_format: str | None, budget: _Budget, *, nested: bool) -> str | None:
    infos = archive.infolist()
    budget.count(infos)
    for info in infos:
        name = info.filename.replace("\\", "/").lower()
        base = name.rsplit("/", 1)[-1]
        extension = base.rsplit(".", 1)[-1] if "." in base else ""
        folders = f"/{name}".rsplit("/", 1)[0] + "/"
        if info.is_dir():
            continue
        if base in MACRO_PART_NAMES:
            return "macro"
        if "/activex/" in folders:
            return "activex"
        if detected_format == FileFormat.HWPX and name.startswith("scripts/"):
            if not _inert_hancom_script(_read(archive, info)):
                return "script"
            continue
        if extension in SCRIPT_EXTENSIONS:
            return "script"
        if extension in MACRO_DOCUMENTS:
            return "macro"
        if name == "[content_types].xml" and MACRO_CONTENT_TYPE.search(_read(archive, info)):
            return "macro"
        if extension == "rels" and _loads_outside_content(_read(archive, info)):
            return "external"
        if extension in OOXML_DOCUMENTS and "/embeddings/" in folders:
            if nested:
                return "object"  # a document inside a document inside the upload: more than the check reads
            data = _read(archive, info)
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                found = _archive_active(inner, None, budget, nested=True)
            if found:
                return found
            continue
        if extension in ("bin", "ole") or "/embeddings/" in folders or name.startswith("bindata/"):
            with archive.open(info) as entry:
                is_ole = entry.read(len(OLE_MAGIC)) == OLE_MAGIC
            if is_ole and _ole_active(_read(archive, info)):
                return "object"
    return None


def _ole_active(data: bytes) -> bool:
    """An OLE object that packages a file, holds an Equation Editor 3.0 equation or VBA."""
    try:
        names = {entry["name"] for entry in CompoundFile(data).entries}
    except (OleError, struct.error, IndexError):
        return True  # an object the reader cannot walk cannot be told harmless
    return bool(names & OLE_ACTIVE)


def _loads_outside_content(rels: bytes) -> bool:
    """A relationship part with an external target that is loaded or run when the document
    opens (a remote template, an OLE link, a frame), or that points at a script or through a
    scheme other than the web, mail and files (`mhtml:`, `ms-msdt:` …)."""
    for match in RELATIONSHIP.finditer(rels):
        attributes = {}
        for key, double, single in ATTRIBUTE.findall(match.group(1)):
            attributes[key.decode("ascii", "replace").lower()] = html.unescape((double or single).decode("utf-8", "replace"))
        if attributes.get("targetmode", "").lower() != "external":
            continue
        kind = attributes.get("type", "").rstrip("/").rsplit("/", 1)[-1].lower()
        target = attributes.get("target", "").strip()
        if kind in LOADING_RELATIONSHIPS:
            return True
        try:
            parts = urlsplit(target)
        except ValueError:
            return True
        scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # "C:\…" is a path, not a scheme
        path = (parts.path if scheme else target).replace("\\", "/").rstrip("/")
        extension = path.rsplit("/", 1)[-1].rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        if scheme not in SAFE_SCHEMES or extension in SCRIPT_EXTENSIONS:
            return True
    return False


def _inert_hancom_script(data: bytes) -> bool:
    """Only what Hancom Office writes into every HWPX: declarations and empty event handlers."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif len(data) > 1 and data[1::2].count(0) > len(data) // 4:
        text = data.decode("utf-16-le", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    text = SCRIPT_COMMENT.sub(" ", text)
    text = HANCOM_DECLARATION.sub(" ", text)
    text = HANCOM_EMPTY_HANDLER.sub(" ", text)
    return not text.strip(" \t\r\n\x00\ufeff")
