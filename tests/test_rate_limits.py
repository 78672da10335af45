"""Rate limits per person and per client behind the load balancer, and
the anonymous /verify/ form's limits on rate and size.

Behind the documented balancer every request arrives from the balancer's address; the
client is the last X-Forwarded-For entry (ALLAUTH_TRUSTED_PROXY_COUNT = 1). Keyed on the
balancer, allauth's 30 sign-ins a minute per address were the whole site's."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.2"
TOO_MANY_FAILURES = "너무 많은 로그인 실패가 감지되었습니다. 잠시 후에 다시 시도하세요."


def via_balancer(n: int) -> Client:
    """A browser at its own address, seen through the balancer."""
    return Client(REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=f"198.51.{n // 200}.{n % 200 + 1}")


def people(count: int) -> list:
    users = [UserFactory(email=f"deadline{n}@example.com") for n in range(count)]
    EmailAddress.objects.bulk_create([EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users])
    return users


@pytest.fixture
def behind_balancer(settings):
    settings.BEHIND_PROXY = True
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_two_hundred_people_sign_in_within_a_minute_through_the_balancer(behind_balancer):
    refused = [user.email for n, user in enumerate(people(200)) if sign_in(via_balancer(n), user.email).status_code != 302]
    assert refused == []


def test_keyed_on_the_balancer_the_thirty_first_sign_in_was_refused(settings):
    """What the probe saw, with the proxy not configured: everyone is one address."""
    settings.BEHIND_PROXY = False
    answers = [sign_in(via_balancer(n), user.email).status_code for n, user in enumerate(people(31))]
    assert answers[:30] == [302] * 30 and answers[30] == 429


def test_one_account_under_attack_is_limited_and_nobody_else(behind_balancer):
    victim, bystander = people(2)
    # Five wrong passwords from five different addresses: the account is limited...
    for n in range(5):
        assert sign_in(via_balancer(100 + n), victim.email, "wrong-password").status_code == 200
    locked = sign_in(via_balancer(1), victim.email)
    assert locked.status_code == 200 and TOO_MANY_FAILURES in locked.content.decode()
    # ...while another person signs in from one of the attackers' addresses.
    assert sign_in(via_balancer(100), bystander.email).status_code == 302


def test_failures_spread_over_accounts_do_not_lock_out_a_correct_password(behind_balancer):
    *targets, person = people(11)
    for n, target in enumerate(targets):
        sign_in(via_balancer(n), target.email, "wrong-password")
    assert sign_in(via_balancer(50), person.email).status_code == 302


@pytest.mark.parametrize(("behind", "count", "expected"), [
    (True, 1, "198.51.0.8"),  # the balancer appended the client
    (True, 2, "203.0.113.9"),  # two proxies: the first appended the client, the second the first proxy
    (False, 0, BALANCER),  # not behind a proxy: the header is anyone's to write and is ignored
])
def test_the_records_key_on_the_same_address_as_the_limits(settings, rf, behind, count, expected):
    from allauth.account.adapter import get_adapter

    from portal.http import client_ip

    settings.BEHIND_PROXY, settings.ALLAUTH_TRUSTED_PROXY_COUNT = behind, count
    request = rf.get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 198.51.0.8")
    assert client_ip(request) == expected == get_adapter().get_client_ip(request)


def test_verify_is_limited_per_client(behind_balancer):
    answers = [via_balancer(3).post("/verify/", {"number": "AG-X", "sha256": "0" * 64}).status_code for _ in range(21)]
    assert answers[:20] == [200] * 20 and answers[20] == 429
    refused = via_balancer(3).post("/verify/", {"number": "AG-X", "sha256": "0" * 64})
    assert "요청이 너무 많습니다" in refused.content.decode()
    assert via_balancer(4).post("/verify/", {"number": "AG-X", "sha256": "0" * 64}).status_code == 200


def test_verify_refuses_a_large_upload_before_reading_it(client):
    big = io.BytesIO(b"%PDF-1.7\n" + b"0" * (6 * 1024 * 1024))
    big.name = "big.pdf"
    response = client.post("/verify/", {"file": big})
    assert response.status_code == 413
    assert "파일이 5MB보다 큽니다. 체결된 협약서는 이보다 훨씬 작습니다." in response.content.decode()


def test_verify_refuses_a_large_upload_before_anything_reads_it(monkeypatch):
    """With the CSRF check on (as in a browser), the refusal comes before the check reads the
    body: no byte of the upload is parsed."""
    from django.http.request import HttpRequest
    from django.test import Client

    parsed = []
    real = HttpRequest._load_post_and_files
    monkeypatch.setattr(HttpRequest, "_load_post_and_files", lambda self: parsed.append(self.path) or real(self))
    big = io.BytesIO(b"%PDF-1.7\n" + b"0" * (6 * 1024 * 1024))
    big.name = "big.pdf"
    response = Client(enforce_csrf_checks=True).post("/verify/", {"file": big})
    assert response.status_code == 413
    assert "파일이 5MB보다 큽니다." in response.content.decode()
    assert parsed == []


def test_a_lockout_holds_whatever_port_the_host_header_names(settings):
    """allauth keys the per-account count on the site's domain; without the sites framework
    that was the Host header, port included, and another port started a fresh count."""
    settings.ALLOWED_HOSTS = ["portal.example.kr"]
    (victim,) = people(1)
    for n in range(5):
        assert sign_in(Client(HTTP_HOST="portal.example.kr", REMOTE_ADDR=f"198.51.100.{n + 1}"), victim.email,
                       "wrong-password").status_code == 200
    other_port = sign_in(Client(HTTP_HOST="portal.example.kr:41000", REMOTE_ADDR="198.51.100.9"), victim.email)
    assert other_port.status_code == 200 and TOO_MANY_FAILURES in other_port.content.decode()
    assert "_auth_user_id" not in other_port.wsgi_request.session
