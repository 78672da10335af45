"""Small real files of each format, made in memory, and hostile ones."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "사업계획서.pdf", size: int = 0) -> SimpleUploadedFile:
    body = PDF if size <= len(PDF) else PDF[:-6] + b"%" + b"0" * (size - len(PDF)) + b"\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name: str = "certificate.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(name: str = "plan.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}))


def xlsx(name: str = "budget.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))


def hwpx(name: str = "plan.hwpx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _zip({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<sec/>"}))


def hwp(name: str = "plan.hwp") -> SimpleUploadedFile:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return SimpleUploadedFile(name, header + b"HWP Document File" + b"\x00" * 256)


def exe_named_pdf(name: str = "사업계획서.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")


def html_named_png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/png")


def png_with_script(name: str = "photo.png") -> SimpleUploadedFile:
    data = png().read() + b"<script>alert(1)</script>"
    return SimpleUploadedFile(name, data, content_type="image/png")


def polyglot_pdf(name: str = "polyglot.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n")
