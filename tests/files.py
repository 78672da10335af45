"""Small real files of each format, made in memory, and hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PAGE = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]


def pdf_bytes(comment: bytes = b"", *, objects: list[bytes] = PAGE, size: int = 0) -> bytes:
    """A well-formed PDF — one blank page unless `objects` says otherwise (object n is
    objects[n - 1]), with its cross-reference table; `comment` (a PDF comment line) right after
    the header, or zeros there to make the file `size` bytes."""
    def build(comment: bytes) -> bytes:
        body = b"%PDF-1.4\n" + (b"%" + comment + b"\n" if comment else b"")
        offsets = []
        for number, obj in enumerate(objects, 1):
            offsets.append(len(body))
            body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
        xref = len(body)
        body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % at for at in offsets)
        return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)

    if size:
        comment = b"0" * max(1, size - len(build(b"")) - 2)
        while len(built := build(comment)) != size:  # the startxref number's digits move with the padding
            comment = comment[: len(comment) + size - len(built)]
            if not comment:
                raise ValueError(f"{size} bytes are too few for a PDF of these objects")
        return built
    return build(comment)


PDF = pdf_bytes()


def pdf(name: str = "사업계획서.pdf", size: int = 0) -> SimpleUploadedFile:
    body = pdf_bytes(size=size) if size > len(PDF) else PDF
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


def docx_with(parts: dict[str, bytes], name: str = "plan.docx") -> SimpleUploadedFile:
    """A DOCX holding `parts` besides its content types and document (deflated, as Word writes them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>", **parts}.items():
            archive.writestr(part, data)
    return SimpleUploadedFile(name, buffer.getvalue())


# What Hancom Office writes into every HWPX it saves (UTF-16): declarations and empty handlers.
HANCOM_HEADER_SCRIPT = "var Documents = XHwpDocuments;\r\nvar Document = Documents.Active_XHwpDocument;\r\n".encode("utf-16-le")
HANCOM_SOURCE_SCRIPT = ("function OnDocument_New()\r\n{\r\n\t//todo : \r\n}\r\n\r\n"
                        "function OnDocument_Open()\r\n{\r\n\t//todo : \r\n}\r\n").encode("utf-16-le")


def hwpx_saved_by_hancom(name: str = "사업계획서.hwpx", *, source_script: bytes = HANCOM_SOURCE_SCRIPT) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/hwp+zip")  # stored first, as the format asks
        for part, data in {"version.xml": b"<hv:HCFVersion/>", "Contents/header.xml": b"<hh:head/>", "Contents/section0.xml": b"<hs:sec/>",
                           "Scripts/headerScripts": HANCOM_HEADER_SCRIPT, "Scripts/sourceScripts": source_script,
                           "META-INF/container.xml": b"<ocf:container/>"}.items():
            archive.writestr(part, data, compress_type=zipfile.ZIP_DEFLATED)
    return SimpleUploadedFile(name, buffer.getvalue())


def xlsx(name: str = "budget.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))


def hwpx(name: str = "plan.hwpx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _zip({"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"<sec/>"}))


def ole(streams: dict[str, bytes], *, high_size_bits: int = 0) -> bytes:
    """A compound file (MS-CFB version 3, 512-byte sectors) holding `streams` (each under 4 KB,
    so in the mini stream) at its root: FAT, directory, mini FAT, then the mini stream.
    `high_size_bits` fills the upper half of each stream size, as older writers left it."""
    end, free, fat_sector, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    mini_stream, mini_fat, starts = b"", [], []
    for data in streams.values():
        count = max(1, -(-len(data) // 64))
        starts.append(len(mini_fat))
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [end]
        mini_stream += data.ljust(count * 64, b"\x00")
    mini_sectors = max(1, -(-len(mini_stream) // 512))
    directory_sectors = -(-(len(streams) + 1) * 128 // 512)
    mini_fat_at, mini_stream_at = 1 + directory_sectors, 2 + directory_sectors
    entries = [("Root Entry", 5, nostream, nostream, 1 if streams else nostream, mini_stream_at, len(mini_stream))]
    names = list(streams)
    for index, stream_name in enumerate(names):
        # A chain to the right instead of a balanced tree: still a valid red-black tree walk.
        right = index + 2 if index + 1 < len(names) else nostream
        entries.append((stream_name, 2, nostream, right, nostream, starts[index], len(streams[stream_name])))
    directory = b""
    for entry_name, kind, left, right, child, start, size in entries:
        encoded = (entry_name + "\x00").encode("utf-16-le")
        directory += (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1) + struct.pack("<III", left, right, child)
                      + b"\x00" * 36 + struct.pack("<IQ", start, size | (high_size_bits << 32)))
    directory = directory.ljust(directory_sectors * 512, b"\x00")
    fat = [fat_sector] + [i + 1 if i < directory_sectors else end for i in range(1, directory_sectors + 1)]
    fat += [end]  # the mini FAT
    fat += [mini_stream_at + i + 1 for i in range(mini_sectors - 1)] + [end]
    header = (OLE_MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, mini_fat_at, 1, end, 0) + struct.pack("<I", 0) + struct.pack("<108I", *[free] * 108))
    return (header + struct.pack("<128I", *(fat + [free] * (128 - len(fat)))) + directory
            + struct.pack("<128I", *(mini_fat + [free] * (128 - len(mini_fat))))
            + mini_stream.ljust(mini_sectors * 512, b"\x00"))


def hwp_file_header(version: int = 0x05010000) -> bytes:
    """HWP 5's FileHeader stream: signature, version, attributes (compressed), reserved."""
    return b"HWP Document File".ljust(32, b"\x00") + struct.pack("<II", version, 1) + b"\x00" * 216


def hwp_bytes() -> bytes:
    return ole({"FileHeader": hwp_file_header(), "DocInfo": b"\x00" * 100, "PrvText": "사업계획서".encode("utf-16-le")})


def hwp(name: str = "plan.hwp") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, hwp_bytes())


def ole_with_hwp_words(name: str = "plan.hwp") -> SimpleUploadedFile:
    """Any compound file (here a Word 97-like one) whose text holds the HWP signature's words."""
    return SimpleUploadedFile(name, ole({"WordDocument": b"HWP Document File" + b"\x00" * 300}))


def exe_named_pdf(name: str = "사업계획서.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")


def html_named_png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/png")


def png_with_script(name: str = "photo.png") -> SimpleUploadedFile:
    data = png().read() + b"<script>alert(1)</script>"
    return SimpleUploadedFile(name, data, content_type="image/png")


def pdf_with_javascript_in_an_object_stream(name: str = "사업계획서.pdf") -> SimpleUploadedFile:
    """A one-page PDF whose opening action runs JavaScript, written by qpdf with every object in a
    compressed object stream: neither "JavaScript" nor "/JS" is in its bytes."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    document.Root.OpenAction = document.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    buffer = io.BytesIO()
    document.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def docx_with_macros(name: str = "plan.docx") -> SimpleUploadedFile:
    """A .docm saved as .docx: its VBA project, compressed in the zip."""
    return SimpleUploadedFile(name, _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                                          "word/vbaProject.bin": ole({"VBA": b"Attribute VB_Name = \"Module1\"" + b"\x00" * 200})}))


def zip_bomb(name: str = "plan.docx", *, entries: int = 40, each: int = 16 * 1024 * 1024) -> SimpleUploadedFile:
    """A DOCX whose entries unpack to `entries` × `each` bytes of zeros (640 MB by default) from
    under a megabyte: one deflated block of zeros, written under every entry's header."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * each) + compressor.flush()
    crc = zlib.crc32(b"\0" * each)
    members = [("[Content_Types].xml", 0, b"<Types/>", zlib.crc32(b"<Types/>"), 8),
               ("word/document.xml", 0, b"<w:document/>", zlib.crc32(b"<w:document/>"), 13)]
    members += [(f"word/media/filler{n}.bin", 8, block, crc, each) for n in range(entries)]
    body, directory = b"", b""
    for member, method, data, checksum, size in members:
        encoded = member.encode()
        fields = struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, checksum, len(data), size, len(encoded), 0)
        directory += b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, len(body)) + encoded
        body += b"PK\x03\x04" + fields + encoded + data
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), len(body), 0)
    return SimpleUploadedFile(name, body + directory + end)


def polyglot_pdf(name: str = "polyglot.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n")
