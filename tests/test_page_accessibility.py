"""What a keyboard, screen-reader or phone user meets on the pages:
error summaries and messages that take the focus after a reload, errors tied to their
fields, titles that name the page and say when it reports an error, wording, and the
markup that folds menus and filters on a phone. Through the test client; the focus itself
and the phone layout are checked in Chromium (tests/browser/test_focus_and_phone.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db


def _title(html: str) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", html, re.S).group(1).split())


def _signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.get("/calls/")  # where "signed in" is shown, so that the pages under test carry only their own messages
    return client


def _sign_up(client, **extra):
    data = {"email": "hong@example.com", "password1": PASSWORD, "password2": PASSWORD, "name": "홍길동", "position": "과장",
            "consent_personal_information": "on"} | extra
    return client.post("/accounts/signup/", {k: v for k, v in data.items() if v is not None})


# --- Sign-up (item 8) -----------------------------------------------------------------------


def test_sign_up_errors_are_summarised_first_and_each_sits_under_its_own_label(client):
    html = _sign_up(client, password1="짧음", password2="짧음", consent_personal_information=None).content.decode()
    assert _title(html).startswith("오류: 회원가입")
    summary = html.index('class="form-error-summary"')
    assert 'id="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus' in html
    assert summary < html.index('name="name"')  # before the first field
    assert '<a href="#id_password1">비밀번호</a>: 이 비밀번호는 너무 짧습니다' in html
    # The password's error comes after its own label and before its input — not above the label.
    label = html.index('<label for="id_password1">')
    error = html.index('id="id_password1_error"')
    field = html.index('name="password1"')
    assert label < error < field
    assert html.index('name="email"') < label  # not under the e-mail field before it
    assert 'aria-describedby="id_password1_helptext id_password1_error"' in html


def test_sign_up_summarises_the_consents_and_keeps_the_full_text_behind_a_disclosure(client):
    html = client.get("/accounts/signup/").content.decode()
    assert _title(html) == "회원가입 · 지원사업 신청 포털"
    # Every field of the account comes before the consents, so a phone reaches them at once.
    assert html.index('name="password2"') < html.index('<h2 id="consents-heading">동의</h2>')
    assert "<strong>개인정보 수집·이용 동의(필수)</strong>: 회원 식별" in html
    details = re.search(r'<details class="consent-notice">(.*?)</details>', html, re.S)
    assert details, "the full consent text is behind a closed disclosure"
    assert "<summary>전문 보기: 수집·이용 목적, 수집 항목, 보유·이용 기간, 동의를 거부할 권리</summary>" in details.group(1)
    for row in ("수집 목적", "수집 항목", "보유·이용 기간", "동의를 거부할 권리"):
        assert f'<th scope="row">{row}</th>' in details.group(1)
    assert html.index("</details>") < html.index('name="consent_personal_information"')


def test_signing_up_records_the_version_of_the_consent_text_shown(client):
    from portal.models import Consent
    from portal.privacy import VERSION

    assert _sign_up(client).status_code == 302
    assert set(Consent.objects.values_list("item", "version", "granted")) == {
        ("personal_information", VERSION, True), ("program_news", VERSION, False)}


# --- Sign-in, codes and allauth's words (items 9 and 12) ---------------------------------------


def test_a_refused_sign_in_is_an_alert_that_both_fields_point_to(client, alice):
    html = client.post("/accounts/login/", {"login": alice.email, "password": "틀린-비밀번호-123"}).content.decode()
    assert _title(html).startswith("오류: ")
    assert 'class="form-error-summary" id="error-summary" role="alert"' in html
    assert "이메일 또는 비밀번호가 올바르지 않습니다." in html
    login = re.search(r"<input[^>]*name=\"login\"[^>]*>", html).group(0)
    password = re.search(r"<input[^>]*name=\"password\"[^>]*>", html).group(0)
    for field in (login, password):
        assert 'aria-invalid="true"' in field
        assert "error-summary" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
    assert 'aria-describedby="error-summary id_password_helptext"' in password  # the reset link stays described


def test_the_forgotten_password_link_is_a_full_tap_target():
    css = (Path(__file__).resolve().parents[1] / "static/css/portal.css").read_text()
    assert ".field .helptext a { display: inline-block; min-height: 44px;" in css


def test_the_code_page_and_its_messages_take_the_right_particles(client, deliver_outbox):
    from allauth.account.models import EmailAddress

    _sign_up(client)
    html = client.get("/accounts/confirm-email/").content.decode()
    assert '<a href="mailto:hong@example.com">hong@example.com</a>으로 코드를 보냈습니다. 코드는 곧 만료되니 바로 입력하세요.' in html
    assert "hong@example.com으로 확인 메일을 보냈습니다." in html
    assert "(으)로" not in html

    html = client.post("/accounts/confirm-email/", {"code": "XXXX-XXXX"}).content.decode()
    assert "코드가 맞지 않습니다. 가장 최근에 받은 코드를 다시 입력하세요." in html
    assert "올바르지 않은 코드" not in html
    assert _title(html).startswith("오류: 이메일 인증")
    assert 'id="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus' in html

    from tests.test_accounts import _code_from_last_email

    deliver_outbox()
    response = client.post("/accounts/confirm-email/", {"code": _code_from_last_email()}, follow=True)
    assert EmailAddress.objects.get(email="hong@example.com").verified
    html = response.content.decode()
    assert "이메일 주소 hong@example.com을 확인했습니다." in html
    assert '<div class="messages" role="status" tabindex="-1" autofocus>' in html


def test_the_particle_filter_adds_nothing_on_an_english_page():
    from django.template import Context, Template
    from django.utils import translation

    template = Template('{% load portal %}{{ a|josa:"으로" }}')
    with translation.override("en"):
        assert template.render(Context({"a": "hong@example.com"})) == "hong@example.com"
    with translation.override("ko"):
        assert template.render(Context({"a": "hong@example.com"})) == "hong@example.com으로"


def test_reauthentication_before_countersigning_speaks_of_the_agencys_signature(olivia, alice, selected):
    from applications import lifecycle

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    officer = Client()
    login_with_mfa(officer, olivia)
    html = officer.get(f"/accounts/reauthenticate/?next=/agreements/{agreement.pk}/sign/").content.decode()
    assert "전담기관을 대표해 협약서에 기관 서명(최종 서명)을 하려고 합니다." in html
    assert "기업을 대표해" not in html

    company = _signed_in(alice)
    html = company.get(f"/accounts/reauthenticate/?next=/agreements/{agreement.pk}/sign/").content.decode()
    assert "기업을 대표해 협약서에 서명하려고 합니다." in html


def test_a_rubric_criterion_needs_no_english_name(call, olivia):
    officer = Client()
    login_with_mfa(officer, olivia)
    response = officer.post(f"/officer/calls/{call.pk}/evaluation/criterion/",
                            {"name_ko": "기술성", "name_en": "", "max_score": "60", "weight": "60"})
    assert response.status_code == 302
    criterion = call.rubric.criteria.get()
    assert criterion.name_en == ""
    from django.utils import translation

    with translation.override("en"):
        assert criterion.name == "기술성"  # an English page falls back to the Korean name
    html = officer.get(f"/officer/calls/{call.pk}/evaluation/").content.decode()
    assert "<td>기술성</td>" in html and "기술성 / " not in html


def test_verification_names_the_company_as_the_agreements_party_not_a_counterpart():
    from django.utils import translation

    with translation.override("ko"):
        text = translation.gettext("Agreement %(number)s with %(company)s, executed %(at)s.")
    assert "협약기업:" in text and "상대 기업" not in text


# --- Catalogue, header and phones (item 10) ---------------------------------------------------


def test_the_header_menu_and_the_catalogue_filters_fold_behind_buttons(client):
    from tests.factories import CallFactory

    CallFactory(title="2026년 스마트공장 공고")
    html = client.get("/calls/?region=48").content.decode()
    assert re.search(r'<details class="menu-fold fold-narrow">\s*<summary class="menu-button">메뉴</summary>\s*<nav aria-label="주 메뉴">', html) \
        or re.search(r'<details class="menu-fold fold-narrow">\s*<summary class="menu-button">메뉴</summary>\s*<nav', html)
    assert '<details class="filter-panel fold-narrow">' in html
    assert re.search(r'<summary>검색 조건 <span class="tab-count">1</span><span class="visually-hidden">개 적용됨</span></summary>', html)
    assert '<script src="/static/js/fold-narrow.js" defer></script>' in html
    # A filter with an error stays open, whatever the width.
    html = client.get("/calls/?industry=%25%25%25").content.decode()
    assert '<details class="filter-panel fold-narrow" open data-keep-open>' in html


def test_the_officer_queue_filters_fold_behind_a_button(call, olivia):
    officer = Client()
    login_with_mfa(officer, olivia)
    html = officer.get("/officer/queue/").content.decode()
    assert re.search(r'<details class="filter-panel fold-narrow">\s*<summary>검색 조건</summary>\s*<form method="get"', html)


def test_pages_carry_a_meta_description_and_the_home_page_is_titled_calls(client):
    from tests.factories import CallFactory

    call = CallFactory(title="2026년 스마트공장 공고")
    home = client.get("/").content.decode()
    assert _title(home) == "공고 · 지원사업 신청 포털"
    assert '<meta name="description" content="중소기업 정부 지원사업 공고를 찾고, 신청 자격을 확인한 뒤 마감 전에 온라인으로 신청하는 포털입니다.">' in home
    page = client.get(f"/calls/{call.code}/").content.decode()
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert description.startswith("2026년 스마트공장 공고 — ") and "공고. 신청 자격, 지원 내용, 제출 서류와 마감일을 안내합니다." in description
    listing = client.get("/calls/").content.decode()
    assert '<meta name="description" content="중소기업 정부 지원사업 공고를 접수 중·접수 예정·마감으로' in listing


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_has_three_to_one_contrast_against_white_and_the_page_background():
    css = (Path(__file__).resolve().parents[1] / "static/css/portal.css").read_text()
    rule = re.search(r"^:focus-visible \{ outline: 3px solid (#[0-9a-f]{6});", css, re.M)
    assert rule, "the focus ring's outline colour"
    background = re.search(r"--wash: (#[0-9a-f]{6})", css).group(1)
    for against in ("#ffffff", background):
        assert _contrast(rule.group(1), against) >= 3, (rule.group(1), against)
    assert _contrast("#ffbf47", "#ffffff") < 3  # why the yellow alone was not enough


# --- The application steps (items 11 and 12) --------------------------------------------------


def test_each_step_has_its_own_title_and_its_form_posts_to_its_own_path(alice, draft):
    client = _signed_in(alice)
    from applications.views.steps import steps_of

    steps = steps_of(draft)
    assert len(steps) == 7
    titles = set()
    for number, step in enumerate(steps, start=1):
        html = client.get(step.url).content.decode()
        title = _title(html)
        assert title.startswith(f"7단계 중 {number}단계: {step.title} · {draft.call.title}"), title
        titles.add(title)
        # A named action: a #main left in the address by the skip link is not carried to the page after saving.
        for form in re.findall(r'<form method="post"[^>]*class="(?:stacked-form|upload-form)"', html):
            assert f'action="{step.url}"' in form, form
        assert '<form method="post" class="stacked-form"' not in html and '<form method="post" enctype' not in html
    assert len(titles) == 7


def test_a_step_with_errors_says_so_in_its_title(alice, draft):
    client = _signed_in(alice)
    url = f"/applications/{draft.pk}/edit/overview/"
    html = client.post(url, {"project_title": "", "support_level": "999999", "go": "stay"}).content.decode()
    assert _title(html).startswith("오류: 7단계 중 1단계: ")


def test_an_upload_error_sits_under_its_file_input_and_the_message_takes_the_focus(alice, draft):
    from tests import files

    client = _signed_in(alice)
    requirement = draft.call.required_documents.filter(is_required=True).first()
    url = f"/applications/{draft.pk}/edit/documents/"
    response = client.post(url, {"requirement": requirement.pk, "file": files.exe_named_pdf()})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert _title(html).startswith("오류: 7단계 중 ")
    assert '<div class="messages" role="status" tabindex="-1" autofocus>' in html
    error = re.search(rf'<p class="errorlist" id="upload-{requirement.pk}-error">([^<]+)</p>', html)
    assert error, "the error under the file input"
    field = re.search(rf'<input type="file" id="upload-{requirement.pk}"[^>]*>', html).group(0)
    assert f'aria-invalid="true" aria-describedby="upload-{requirement.pk}-error"' in field
    # The message at the top is the error summary: the same words, a link to the input.
    summary = html.split('class="messages"')[1].split("</div>")[0]
    assert f'<a href="#upload-{requirement.pk}">{error.group(1)}</a>' in summary
    # The other inputs are untouched, and the next visit has no error left.
    assert html.count('aria-invalid="true"') == 1
    assert "upload-error" not in client.get(url).content.decode() and 'aria-invalid' not in client.get(url).content.decode()


def test_a_body_larger_than_any_call_accepts_is_refused_before_it_is_read(alice, draft, monkeypatch):
    from django.http.request import HttpRequest

    from applications.models import ApplicationDocument
    from tests import files

    client = _signed_in(alice)
    parsed = []
    real = HttpRequest._load_post_and_files
    monkeypatch.setattr(HttpRequest, "_load_post_and_files", lambda self: parsed.append(self.path) or real(self))
    url = f"/applications/{draft.pk}/edit/documents/"
    requirement = draft.call.required_documents.first()
    response = client.post(url, {"requirement": requirement.pk, "file": files.pdf()}, CONTENT_LENGTH=str(202 * 1024 * 1024))
    assert response.status_code == 302 and response["Location"] == url
    assert parsed == [] and not ApplicationDocument.objects.filter(application=draft).exists()
    assert "파일이 200MB보다 큽니다. 어느 공고도 받지 않는 크기입니다. 아무것도 올리지 않았습니다." in client.get(url).content.decode()


def test_a_grant_over_the_cap_is_the_grant_fields_error(alice, complete_draft):
    client = _signed_in(alice)
    url = f"/applications/{complete_draft.pk}/edit/budget/"
    data = {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-category": "software", "lines-0-description": "MES",
            "lines-0-amount": "300,000,000", "grant_requested": "250,000,000", "go": "stay"}
    html = client.post(url, data).content.decode()
    assert _title(html).startswith("오류: 7단계 중 ")
    field = re.search(r'<input type="text" name="grant_requested"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_grant_requested_error"' in field
    label = html.index('<label for="id_grant_requested">')
    error = html.index('<ul class="errorlist" id="id_grant_requested_error">')
    assert label < error < html.index('name="grant_requested"')
    assert "250,000,000원" in html[error:error + 400], html[error:error + 400]


def test_save_and_add_rows_puts_the_focus_on_the_first_new_row(alice, complete_draft):
    client = _signed_in(alice)
    url = f"/applications/{complete_draft.pk}/edit/budget/"
    lines = list(complete_draft.budget_lines.all())
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0", "grant_requested": "150,000,000", "go": "add_rows"}
    for i, line in enumerate(lines):
        data |= {f"lines-{i}-category": line.category, f"lines-{i}-description": line.description, f"lines-{i}-amount": str(line.amount)}
        if line.is_in_kind:
            data[f"lines-{i}-is_in_kind"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302 and "#" not in response["Location"]
    html = client.get(response["Location"]).content.decode()
    new_row = re.search(rf'<select name="lines-{len(lines)}-category"[^>]*>', html).group(0)
    assert "autofocus" in new_row
    assert html.count("autofocus") == 1


def test_a_founding_date_in_year_six_is_refused_with_a_clear_message(alice):
    from portal.models import Company
    from tests.test_companies import VALID

    client = _signed_in(alice)
    response = client.post("/companies/new/", {**VALID, "founded_on": "0006-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "설립일의 연도를 확인하세요. 0006년은 설립 연도가 될 수 없습니다. 연도는 2019처럼 네 자리로 입력하세요." in html
    assert _title(html).startswith("오류: ")
    assert 'min="1880-01-01"' in html
    assert not Company.objects.exists()


def test_companies_find_file_hashes_behind_more_details_and_officers_see_them_plainly(alice, acme, olivia, complete_draft):
    from django.utils import timezone

    from applications import lifecycle

    lifecycle.application_send(user=alice, application_id=complete_draft.pk, now=timezone.now(), ip="127.0.0.1")
    document = complete_draft.documents.first()
    url = f"/applications/{complete_draft.pk}/copy/"

    html = _signed_in(alice).get(url).content.decode()
    assert '<th scope="col">SHA-256</th>' not in html
    assert re.search(rf'<details class="hash-details"><summary>자세히<span class="visually-hidden"> [^<]+</span></summary>'
                     rf'<p class="helptext">SHA-256 <code class="hash">{document.sha256}</code></p></details>', html)

    officer = Client()
    login_with_mfa(officer, olivia)
    html = officer.get(url).content.decode()
    assert '<th scope="col">SHA-256</th>' in html and f'<td class="hash">{document.sha256}</td>' in html
    assert "hash-details" not in html
