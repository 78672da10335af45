"""Crafted files get a clear refusal, never an error page: zips whose `mimetype` entry cannot be
opened, OLE files that only mention HWP, signed PDFs with an impossible /ByteRange or a
signature by someone else, and random mutations of real files of every kind."""

from __future__ import annotations

import io
import itertools
import re
import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portal.uploads import inspect_upload
from tests import files
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ALL = ["pdf", "image", "hwp", "hwpx", "xlsx", "docx"]
MB = 1024 * 1024
NOT_ACCEPTED = "파일 이름과 관계없이 파일 내용이 허용 형식(PDF, HWP, HWPX, DOCX)이 아닙니다."


def hwpx_bytes() -> bytes:
    return files.hwpx().read()


def patched_mimetype_entry(*, flags: int | None = None, method: int | None = None, local_signature: bytes | None = None) -> bytes:
    """The HWPX with its `mimetype` entry's headers changed: general purpose flags (bit 0:
    encrypted), compression method, or the local header's signature."""
    data = bytearray(hwpx_bytes())
    local = data.index(b"PK\x03\x04")  # the first entry is `mimetype`
    central = data.index(b"PK\x01\x02")
    if flags is not None:
        struct.pack_into("<H", data, local + 6, flags)
        struct.pack_into("<H", data, central + 8, flags)
    if method is not None:
        struct.pack_into("<H", data, local + 8, method)
        struct.pack_into("<H", data, central + 10, method)
    if local_signature is not None:
        data[local:local + 4] = local_signature
    return bytes(data)


@pytest.fixture
def applicant(client, alice, complete_draft):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


def upload_plan(client, application, data: bytes, name: str = "plan.hwpx"):
    requirement = application.call.required_documents.get(kind="business_plan")
    return client.post(f"/applications/{application.pk}/edit/documents/",
                       {"requirement": requirement.pk, "file": SimpleUploadedFile(name, data)}, follow=True)


@pytest.mark.parametrize("crafted", [
    pytest.param(patched_mimetype_entry(flags=0x1), id="encrypted mimetype (RuntimeError)"),
    pytest.param(patched_mimetype_entry(method=99), id="unknown compression method (NotImplementedError)"),
    pytest.param(patched_mimetype_entry(local_signature=b"PK\x05\x06"), id="broken local header (BadZipFile)"),
    pytest.param(files.ole_with_hwp_words().read(), id="an OLE file that only mentions HWP"),
])
def test_a_crafted_plan_is_refused_with_a_clear_message(applicant, complete_draft, crafted):
    before = complete_draft.documents.count()
    response = upload_plan(applicant, complete_draft, crafted)
    assert response.status_code == 200
    assert NOT_ACCEPTED in response.content.decode()
    assert complete_draft.documents.count() == before


def test_a_real_hwp_5_file_is_still_accepted(applicant, complete_draft):
    response = upload_plan(applicant, complete_draft, files.hwp_bytes(), name="사업계획서.hwp")
    assert response.status_code == 200
    assert complete_draft.documents.filter(detected_format="hwp", original_name="사업계획서.hwp").exists()


def test_an_hwp_5_file_from_an_older_writer_with_garbage_in_its_size_fields_is_accepted():
    """MS-CFB 2.6.1: a version 3 file's stream sizes may carry garbage in their high 32 bits,
    to be ignored; read as a 64-bit size, a genuine HWP file would be refused."""
    old_writer = files.ole({"FileHeader": files.hwp_file_header(), "DocInfo": b"\x00" * 100}, high_size_bits=0xDEAD)
    checked = inspect_upload(SimpleUploadedFile("plan.hwp", old_writer), formats=ALL, max_bytes=MB)
    assert checked.format == "hwp"


@pytest.mark.parametrize(("header", "why"), [
    (files.hwp_file_header(version=0x03000000), "an HWP 3 version number"),
    (b"HWP Document File v3.00 \x1a\x01\x02\x03\x04\x05".ljust(256, b"\x00"), "HWP 3's signature"),
    (files.hwp_file_header()[:200], "a FileHeader shorter than 256 bytes"),
])
def test_an_ole_file_is_hwp_only_with_hwp_5s_file_header(header, why):
    crafted = files.ole({"FileHeader": header, "DocInfo": b"\x00" * 100})
    with pytest.raises(ValidationError) as refused:
        inspect_upload(SimpleUploadedFile("plan.hwp", crafted), formats=ALL, max_bytes=MB)
    assert refused.value.code == "unknown_format", why


# --- /verify/ --------------------------------------------------------------------------------

def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def portal_signed(signing_cert) -> bytes:
    from applications import signing

    return signing.sign_pdf(blank_pdf(), reason="test")


def verify_page(data: bytes, address: str = "192.0.2.1") -> tuple[int, str]:
    response = Client(REMOTE_ADDR=address).post("/verify/", {"file": io.BytesIO(data)})
    return response.status_code, response.content.decode()


def test_a_signature_with_a_negative_byte_range_is_described_not_a_500(portal_signed):
    # The same length, so every offset in the file stays right: pyHanko raised ValueError.
    byte_range = re.search(rb"/ByteRange \[[^\]]*\] *", portal_signed).group()
    crafted = portal_signed.replace(byte_range, b"/ByteRange [-1 -1 -1 -1]".ljust(len(byte_range)), 1)
    status, page = verify_page(crafted)
    assert status == 200
    assert "확인되지 않았습니다." in page
    assert "서명이 들어 있지만 읽을 수 없습니다" in page


def test_a_signature_by_another_certificate_is_not_called_an_alteration(settings, signing_cert, tmp_path):
    from django.core.management import call_command

    from applications import signing

    portal_key, portal_cert = settings.AGREEMENT_SIGNING_KEY, settings.AGREEMENT_SIGNING_CERT
    settings.AGREEMENT_SIGNING_KEY, settings.AGREEMENT_SIGNING_CERT = str(tmp_path / "other-key.pem"), str(tmp_path / "other-cert.pem")
    call_command("make_signing_cert", stdout=io.StringIO())
    signed_elsewhere = signing.sign_pdf(blank_pdf(), reason="not the portal")
    settings.AGREEMENT_SIGNING_KEY, settings.AGREEMENT_SIGNING_CERT = portal_key, portal_cert
    status, page = verify_page(signed_elsewhere)
    assert status == 200
    assert "서명은 있지만 포털의 서명이 아닙니다" in page
    assert "내용이 변경되었습니다" not in page


def test_a_portal_signed_file_changed_afterwards_is_still_called_altered(portal_signed):
    body_end = portal_signed.index(b"/Contents <")
    tampered = portal_signed[:200] + portal_signed[200:body_end].replace(b"200", b"201", 1) + portal_signed[body_end:]
    status, page = verify_page(tampered)
    assert status == 200 and "내용이 변경되었습니다" in page


# --- Fuzzing: mutations of real files --------------------------------------------------------

def _bases(signed: bytes) -> list[bytes]:
    return [
        signed, blank_pdf(), files.pdf().read(),
        hwpx_bytes(), files.docx().read(), files.xlsx().read(),
        files.hwp_bytes(), files.ole({"FileHeader": files.hwp_file_header(), "DocInfo": b"\x01" * 5000}),
        files.png().read(),
    ]


@st.composite
def mutated(draw, bases: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate", "int"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at:at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[at:]
        else:  # a 32-bit field set to a boundary value: sizes, offsets, sector numbers
            value = draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD]))
            data[at:at + 4] = struct.pack("<I", value)
    return bytes(data)


_addresses = itertools.count(1)


def test_mutated_real_files_never_break_the_upload_check_or_verify(portal_signed):
    bases = _bases(portal_signed)

    @hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=mutated(bases))
    def check(data: bytes):
        try:
            inspect_upload(SimpleUploadedFile("fuzz.bin", data), formats=ALL, max_bytes=MB)
        except ValidationError as refused:
            assert refused.messages[0]  # a refusal in words, never another exception
        n = next(_addresses)
        status, _page = verify_page(data, address=f"198.18.{n // 250}.{n % 250 + 1}")
        assert status in (200, 400)

    check()


@pytest.mark.parametrize(("uploaded_as", "served_as"), [
    ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),  # the right-to-left override showed "invoiceexe.pdf"
    ("poly.html", "poly.html.pdf"),
    ("사업계획서.PDF", "사업계획서.PDF"),
])
def test_a_download_is_named_with_the_extension_of_its_content(applicant, complete_draft, uploaded_as, served_as):
    from urllib.parse import quote

    upload_plan(applicant, complete_draft, files.pdf().read(), name=uploaded_as)
    document = complete_draft.documents.filter(requirement__kind="business_plan").latest("pk")
    disposition = applicant.get(f"/applications/{complete_draft.pk}/documents/{document.pk}/")["Content-Disposition"]
    assert disposition in (f'attachment; filename="{served_as}"', f"attachment; filename*=utf-8''{quote(served_as)}")
