"""Uploads are judged by content: real files of every format pass, disguised ones fail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from applications.uploads import inspect_upload, safe_file_name
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
