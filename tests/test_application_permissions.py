"""Every applicant and officer URL with an object id, tried by every role."""

from __future__ import annotations

import pytest

from applications.models import ProgramOfficer
from applications.services.lifecycle import application_submit
from tests.conftest import PASSWORD, login_with_mfa, make_person
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "alice", "carol", "bob", "olivia", "oscar", "rachel", "adam"]
STAFF = {"olivia", "oscar", "rachel", "adam"}


@pytest.fixture
def oscar(db):
    """Officer of another program."""
    user = make_person("oscar@example.com", mfa=True)
    ProgramOfficer.objects.create(program=ProgramFactory(), user=user)
    return user


def _sign_in(client, request, persona):
    if persona == "anonymous":
        return
    user = request.getfixturevalue(persona)
    if persona in STAFF:
        login_with_mfa(client, user)
    else:
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


# (method, path template, expected per persona) for a draft and for a submitted application.
DRAFT_CASES = [
    ("get", "/applications/{a}/", {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 404, "oscar": 404, "rachel": 404, "adam": 404}),
    ("get", "/applications/{a}/edit/overview/", {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 404, "oscar": 404, "rachel": 404, "adam": 404}),
    ("post", "/applications/{a}/autosave/", {"anonymous": 401, "alice": 200, "carol": 200, "bob": 403, "olivia": 403, "oscar": 403, "rachel": 403, "adam": 403}),
    ("get", "/applications/{a}/documents/{d}/", {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 404, "oscar": 404, "rachel": 404, "adam": 404}),
    ("post", "/applications/{a}/documents/{d}/delete/", {"anonymous": 302, "alice": 302, "carol": 302, "bob": 404, "olivia": 404, "oscar": 404, "rachel": 404, "adam": 404}),
    ("post", "/applications/{a}/withdraw/", {"anonymous": 302, "alice": 302, "carol": 302, "bob": 404, "olivia": 404, "oscar": 404, "rachel": 404, "adam": 404}),
    ("get", "/applications/{a}/receipt/", {"anonymous": 302, "alice": 302, "carol": 302, "bob": 404, "olivia": 404, "oscar": 404, "rachel": 404, "adam": 404}),
]
SUBMITTED_CASES = [
    ("get", "/applications/{a}/", {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 200, "oscar": 404, "rachel": 404, "adam": 200}),
    ("get", "/applications/{a}/edit/overview/", {"anonymous": 302, "alice": 302, "carol": 302, "bob": 404, "olivia": 403, "oscar": 404, "rachel": 404, "adam": 403}),
    ("post", "/applications/{a}/autosave/", {"anonymous": 401, "alice": 403, "carol": 403, "bob": 403, "olivia": 403, "oscar": 403, "rachel": 403, "adam": 403}),
    ("get", "/applications/{a}/documents/{d}/", {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 200, "oscar": 404, "rachel": 404, "adam": 200}),
    ("post", "/applications/{a}/submit/", {"anonymous": 302, "alice": 400, "carol": 400, "bob": 404, "olivia": 403, "oscar": 404, "rachel": 404, "adam": 403}),
    ("get", "/applications/{a}/receipt/", {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 200, "oscar": 404, "rachel": 404, "adam": 200}),
]
CALL_CASES = [
    ("get", "/officer/calls/{c}/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 200, "oscar": 404, "rachel": 404, "adam": 200}),
    ("post", "/officer/calls/{c}/levels/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 400, "oscar": 404, "rachel": 404, "adam": 400}),
    ("post", "/officer/calls/{c}/rule/{r}/delete/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 302, "oscar": 404, "rachel": 404, "adam": 302}),
    ("post", "/officer/calls/{c}/basics/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 400, "oscar": 404, "rachel": 404, "adam": 400}),
    ("post", "/officer/calls/{c}/documents/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 400, "oscar": 404, "rachel": 404, "adam": 400}),
    ("post", "/officer/calls/{c}/rules/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 400, "oscar": 404, "rachel": 404, "adam": 400}),
    ("post", "/officer/calls/{c}/sections/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 400, "oscar": 404, "rachel": 404, "adam": 400}),
    ("post", "/officer/calls/{c}/sections/{s}/fields/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 400, "oscar": 404, "rachel": 404, "adam": 400}),
    ("post", "/officer/calls/{c}/attachments/", {"anonymous": 302, "alice": 404, "carol": 404, "bob": 404, "olivia": 302, "oscar": 404, "rachel": 404, "adam": 302}),
]


def _request(client, method, template, application=None, call=None):
    document = application.documents.first() if application else None
    rule = call.rules.exclude(kind="one_per_call").first() if call else None
    section = call.form_versions.get().sections.first() if call else None
    path = template.format(a=application.pk if application else 0, d=document.pk if document else 0,
                           c=call.pk if call else 0, r=rule.pk if rule else 0, s=section.pk if section else 0)
    return getattr(client, method)(path, {"step": "overview", "project_title": "x"} if method == "post" else None)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "template", "expected"), DRAFT_CASES, ids=[c[1] for c in DRAFT_CASES])
def test_draft_application_access(client, request, complete_draft, persona, method, template, expected, oscar):
    _sign_in(client, request, persona)
    assert _request(client, method, template, application=complete_draft).status_code == expected[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "template", "expected"), SUBMITTED_CASES, ids=[c[1] for c in SUBMITTED_CASES])
def test_submitted_application_access(client, request, alice, complete_draft, persona, method, template, expected, oscar):
    from django.utils import timezone

    submitted = application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    _sign_in(client, request, persona)
    assert _request(client, method, template, application=submitted).status_code == expected[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "template", "expected"), CALL_CASES, ids=[c[1] for c in CALL_CASES])
def test_call_setup_access(client, request, call, persona, method, template, expected, oscar, alice, carol, bob, acme):
    _sign_in(client, request, persona)
    assert _request(client, method, template, call=call).status_code == expected[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_unpublished_call_is_seen_only_by_its_staff(client, request, call, persona, oscar, alice, carol, bob, acme):
    from applications.models import Call

    Call.objects.filter(pk=call.pk).update(is_published=False)
    _sign_in(client, request, persona)
    expected = 200 if persona in {"olivia", "adam"} else 404
    assert client.get(f"/calls/{call.code}/").status_code == expected
