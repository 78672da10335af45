"""Korean first, English on request; the Korean catalogue is complete and compiles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_korean_catalogue_is_complete_and_compiles(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("gettext's msgfmt is missing: apt-get install gettext")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "ko.mo"), str(LOCALE / "ko/LC_MESSAGES/django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_pages_open_in_korean_whatever_the_browser_prefers(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "접수 중인 공고" in html


def test_the_language_switch_shows_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en">' in response.content.decode()
    assert "Calls open now" in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"}, follow=True)
    assert "접수 중인 공고" in response.content.decode()


def test_allauth_pages_are_in_korean(client):
    html = client.get("/accounts/signup/").content.decode()
    assert "회원가입" in html and "비밀번호" in html
