"""Names, positions and consents: what sign-up asks, what is stored, the
privacy policy and the person's own details page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal.models import Consent, User
from portal.privacy import VERSION
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_up(client, **extra):
    data = {"email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD, "name": " 김  새내 ", "position": "과장",
            "consent_personal_information": "on"} | extra
    return client.post("/accounts/signup/", {k: v for k, v in data.items() if v is not None})


def test_sign_up_shows_the_four_things_the_law_asks_for_each_consent(client):
    html = client.get("/accounts/signup/").content.decode()
    for words in ("개인정보 수집·이용 동의(필수)", "새 공고·설명회 안내 메일 수신 동의(선택)", "수집 목적", "수집 항목", "보유·이용 기간",
                  "동의를 거부할 권리", "동의하지 않으면 회원가입을 할 수 없어 지원사업에 신청할 수 없습니다.",
                  "거부해도 회원가입과 신청에 아무런 불이익이 없습니다.", 'href="/privacy/"', "이름", "직위"):
        assert words in html, words


def test_sign_up_stores_the_name_position_and_each_consent_with_its_version_and_time(client):
    before = timezone.now()
    response = _sign_up(client, consent_program_news="on")
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.com")
    assert (user.name, user.position) == ("김 새내", "과장")
    answers = {c.item: c for c in Consent.objects.filter(user=user)}
    assert set(answers) == {"personal_information", "program_news"}
    for consent in answers.values():
        assert consent.granted and consent.version == VERSION and consent.recorded_at >= before and consent.ip_address == "127.0.0.1"


def test_the_optional_consent_may_be_refused_and_is_recorded_as_refused(client):
    assert _sign_up(client).status_code == 302
    consent = Consent.objects.get(user__email="newcomer@example.com", item="program_news")
    assert consent.granted is False


def test_without_the_required_consent_or_a_name_there_is_no_account_and_a_clear_message(client):
    response = _sign_up(client, consent_personal_information=None)
    assert response.status_code == 200
    assert "개인정보 수집·이용에 동의해야 회원가입을 할 수 있습니다." in response.content.decode()
    response = _sign_up(client, name="   ")
    assert response.status_code == 200 and "이름을 입력하세요." in response.content.decode()
    assert not User.objects.exists() and not Consent.objects.exists()


def test_a_consent_row_is_never_changed(client):
    _sign_up(client)
    consent = Consent.objects.first()
    consent.granted = not consent.granted
    with pytest.raises(ValueError):
        consent.save()


def test_the_privacy_policy_is_public_and_in_korean(client):
    html = client.get("/privacy/").content.decode()
    assert "<h1>개인정보 처리방침</h1>" in html and "주민등록번호" in html and "개인정보 보호책임자" in html
    assert 'href="/privacy/"' in client.get("/").content.decode()  # in every page's footer


def test_people_edit_their_details_and_the_optional_consent_becomes_a_new_row(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    page = client.get("/me/").content.decode()
    assert 'value="앨리스"' in page
    response = client.post("/me/", {"name": "앨리스 김", "position": "대표이사", "phone": "010-1234-5678", "consent_program_news": "on"})
    assert response.status_code == 302 and response["Location"] == "/me/"
    alice.refresh_from_db()
    assert (alice.name, alice.position, alice.phone) == ("앨리스 김", "대표이사", "010-1234-5678")
    assert list(Consent.objects.filter(user=alice).values_list("item", "granted")) == [("program_news", True)]
    client.post("/me/", {"name": "앨리스 김", "position": "대표이사", "phone": ""})
    assert list(Consent.objects.filter(user=alice).order_by("pk").values_list("granted", flat=True)) == [True, False]
    page = client.get("/me/").content.decode()
    assert "동의함" in page and "동의하지 않음" in page
    assert client.post("/me/", {"name": " "}).status_code == 200
    alice.refresh_from_db()
    assert alice.name == "앨리스 김"  # a refused change changes nothing


def test_re_authentication_says_an_agreement_is_about_to_be_signed(client, alice):
    client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD})
    html = client.get("/accounts/reauthenticate/?next=/agreements/7/sign/").content.decode()
    assert "<h1>본인 확인</h1>" in html
    assert "기업을 대표해 협약서에 서명하려고 합니다." in html and "패스워드 입력" not in html and "접근 확인" not in html
    assert 'class="button"' in html  # the portal's buttons, not the browser's
    other = client.get("/accounts/reauthenticate/?next=/accounts/email/").content.decode()
    assert "계정의 보안 설정을 바꾸는 작업입니다." in other


def test_the_second_sign_in_step_is_plain_korean(client, olivia):
    response = client.post("/accounts/login/", {"login": olivia.email, "password": PASSWORD})
    html = client.get(response["Location"]).content.decode()
    assert "인증 앱에 지금 표시된 6자리 코드를 입력하세요." in html and "인증 코드 입력해 주세요" not in html


def test_sign_up_asks_who_you_are_then_the_sign_in_then_the_consents(client):
    import re

    html = client.get("/accounts/signup/").content.decode()
    names = re.findall(r'name="(name|position|email|password1|password2|consent_personal_information|consent_program_news)"', html)
    assert names == ["name", "position", "email", "password1", "password2", "consent_personal_information", "consent_program_news"]


def test_the_signed_in_message_takes_the_particle_the_name_takes(client, alice, db):
    from tests.conftest import make_person

    response = client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD}, follow=True)
    assert "앨리스로 로그인했습니다." in response.content.decode()
    make_person("park@example.com", name="박담당")
    other = client_class().post("/accounts/login/", {"login": "park@example.com", "password": PASSWORD}, follow=True)
    assert "박담당으로 로그인했습니다." in other.content.decode() and "박담당 으로" not in other.content.decode()


def client_class():
    from django.test import Client

    return Client()
