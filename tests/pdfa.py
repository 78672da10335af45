"""The essentials of PDF/A-3b a test can check with pypdf where veraPDF cannot be installed:
what ISO 19005-3 asks of the metadata, the output intent, fonts, associated files and
encryption. `pdfa_problems(data)` lists, in English, every rule a PDF breaks; [] when none."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS = {"pdfaid": "http://www.aiim.org/pdfa/ns/id/", "pdf": "http://ns.adobe.com/pdf/1.3/", "xmp": "http://ns.adobe.com/xap/1.0/",
      "dc": "http://purl.org/dc/elements/1.1/"}
# Info key → its XMP equivalent (ISO 19005-3 §6.6.2.3.1, after ISO 16684-1 table).
INFO_TO_XMP = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description", "/Keywords": "pdf:Keywords",
               "/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer", "/CreationDate": "xmp:CreateDate",
               "/ModDate": "xmp:ModifyDate"}
AF_RELATIONSHIPS = {"/Source", "/Data", "/Alternative", "/Supplement", "/EncryptedPayload", "/FormData", "/Schema", "/Unspecified"}
PRINT, HIDDEN, INVISIBLE, NOVIEW = 4, 2, 1, 32


def xmp_properties(reader: PdfReader) -> dict[str, str]:
    """Every simple property of the XMP packet as "prefix:name" → text; an array (rdf:Alt,
    Seq, Bag) as its items joined by ", ", as the Info dictionary writes several authors."""
    packet = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    root = ET.fromstring(packet[packet.index("<x:xmpmeta"):packet.rindex("</x:xmpmeta>") + len("</x:xmpmeta>")])
    prefixes = {uri: prefix for prefix, uri in NS.items()}
    properties: dict[str, str] = {}

    def name(tag: str) -> str | None:
        uri, _, local = tag[1:].partition("}")
        return f"{prefixes[uri]}:{local}" if uri in prefixes else None

    for description in root.iter(f"{{{RDF}}}Description"):
        for key, value in description.attrib.items():
            if (prop := name(key)) is not None:
                properties[prop] = value
        for child in description:
            if (prop := name(child.tag)) is None:
                continue
            items = [li.text or "" for li in child.iter(f"{{{RDF}}}li")]
            properties[prop] = ", ".join(items) if items else (child.text or "").strip()
    return properties


def _pdf_date(text: str) -> datetime.datetime:
    match = re.fullmatch(r"D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})'?(\d{2})'?|Z)?", text)
    if match is None:
        raise ValueError(f"not a PDF date: {text!r}")
    year, month, day, hour, minute, second, sign, tz_hour, tz_minute = match.groups()
    offset = datetime.timedelta(hours=int(tz_hour or 0), minutes=int(tz_minute or 0)) * (-1 if sign == "-" else 1)
    return datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=datetime.timezone(offset))


def _metadata_problems(reader: PdfReader) -> list[str]:
    problems = []
    xmp = xmp_properties(reader)
    if xmp.get("pdfaid:part") != "3" or xmp.get("pdfaid:conformance") != "B":
        problems.append(f"XMP declares part {xmp.get('pdfaid:part')!r}, conformance {xmp.get('pdfaid:conformance')!r}, not 3 and B")
    info = reader.trailer["/Info"].get_object() if "/Info" in reader.trailer else {}
    for key, value in info.items():
        equivalent = INFO_TO_XMP.get(key)
        if equivalent is None:
            problems.append(f"Info {key} has no XMP equivalent")
        elif equivalent not in xmp:
            problems.append(f"Info {key} is {str(value)!r} but XMP has no {equivalent}")
        elif key in ("/CreationDate", "/ModDate"):
            if _pdf_date(str(value)) != datetime.datetime.fromisoformat(xmp[equivalent]):
                problems.append(f"Info {key} {value} is not XMP {equivalent} {xmp[equivalent]}")
        elif str(value) != xmp[equivalent]:
            problems.append(f"Info {key} {str(value)!r} is not XMP {equivalent} {xmp[equivalent]!r}")
    return problems


def _output_intent_problems(root: DictionaryObject) -> list[str]:
    intents = [intent.get_object() for intent in root.get("/OutputIntents", [])]
    pdfa = [intent for intent in intents if intent.get("/S") == "/GTS_PDFA1"]
    if len(pdfa) != 1:
        return [f"{len(pdfa)} PDF/A output intents, not one"]
    profile = pdfa[0].get("/DestOutputProfile")
    if profile is None:
        return ["the output intent has no ICC profile"]
    data = profile.get_object().get_data()
    if data[36:40] != b"acsp" or int(profile.get_object().get("/N", 0)) not in (1, 3, 4):
        return ["the output intent's profile is not an ICC profile with 1, 3 or 4 components"]
    return []


def _font_embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs drawn by the document's own procedures
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _font_problems(reader: PdfReader) -> list[str]:
    problems, seen = [], set()

    def walk(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for name, font in (resources.get("/Font") or {}).items():
            font_object = font.get_object()
            if not _font_embedded(font_object):
                problems.append(f"font {name} ({font_object.get('/BaseFont')}) is not embedded")
        for xobject in (resources.get("/XObject") or {}).values():
            key = xobject.idnum if isinstance(xobject, IndirectObject) else id(xobject)
            if key not in seen and xobject.get_object().get("/Subtype") == "/Form":
                seen.add(key)
                walk(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
        for annotation in page.get("/Annots") or []:
            appearance = annotation.get_object().get("/AP")
            for stream in (appearance.get_object().values() if appearance is not None else []):
                if hasattr(stream.get_object(), "get_data"):
                    walk(stream.get_object().get("/Resources"))
    return problems


def _annotation_problems(reader: PdfReader) -> list[str]:
    problems = []
    for number, page in enumerate(reader.pages, 1):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            flags = int(annotation.get("/F", 0))
            if annotation.get("/Subtype") != "/Popup" and (not flags & PRINT or flags & (HIDDEN | INVISIBLE | NOVIEW)):
                problems.append(f"a {annotation.get('/Subtype')} annotation on page {number} is not printed (flags {flags})")
    return problems


def _associated_file_problems(root: DictionaryObject) -> list[str]:
    problems = []
    listed = [entry.idnum for entry in root.get("/AF", ArrayObject())]
    if len(listed) != len(set(listed)):
        problems.append(f"/AF lists an associated file more than once: objects {listed}")
    names = root.get("/Names", {}).get("/EmbeddedFiles", {}).get("/Names", [])
    for filespec in names[1::2]:
        if filespec.idnum not in listed:
            problems.append(f"the embedded file {filespec.get_object().get('/F')} is not listed in /AF")
    for entry in dict.fromkeys(root.get("/AF", ArrayObject())):
        spec = entry.get_object()
        if spec.get("/AFRelationship") not in AF_RELATIONSHIPS:
            problems.append(f"{spec.get('/F')} has no valid /AFRelationship ({spec.get('/AFRelationship')})")
        if "/F" not in spec or "/UF" not in spec:
            problems.append(f"{spec.get('/F')} lacks /F or /UF")
        stream = spec["/EF"]["/F"].get_object()
        if "/Subtype" not in stream:
            problems.append(f"{spec.get('/F')} has no MIME type (/Subtype)")
    return problems


def pdfa_problems(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted or "/Encrypt" in reader.trailer:
        return ["the file is encrypted"]
    root = reader.trailer["/Root"]
    return (_metadata_problems(reader) + _output_intent_problems(root) + _font_problems(reader) + _annotation_problems(reader)
            + _associated_file_problems(root))
