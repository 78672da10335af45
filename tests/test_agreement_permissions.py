"""Every agreement URL with an object id, tried by every role."""

from __future__ import annotations

import pytest

from applications.models import ProgramOfficer
from applications.services import agreements as svc
from applications.services import lifecycle
from tests.conftest import PASSWORD, login_with_mfa, make_person
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "alice", "carol", "bob", "olivia", "oscar", "rachel", "adam"]
MFA = {"olivia", "oscar", "rachel", "adam"}
CASES = [
    ("get", "/agreements/{g}/", {"alice": 200, "carol": 200, "olivia": 200, "adam": 200}),
    ("get", "/agreements/{g}/versions/1.pdf", {"alice": 200, "carol": 200, "olivia": 200, "adam": 200}),
    ("get", "/agreements/{g}/final.pdf", {"alice": 404, "carol": 404, "olivia": 404, "adam": 404}),
    ("post", "/agreements/{g}/issue/", {"alice": 403, "carol": 403, "olivia": 302, "adam": 403}),
    ("post", "/agreements/{g}/terms/", {"alice": 403, "carol": 403, "olivia": 400, "adam": 403}),
    ("post", "/agreements/{g}/sign/", {"alice": 302, "carol": 403, "olivia": 302, "adam": 403}),
    ("post", "/officer/applications/{a}/agreement/", {"alice": 403, "carol": 403, "bob": 403, "rachel": 403, "olivia": 302, "adam": 403}),
]


@pytest.fixture
def agreement(selected, olivia, signing_cert):
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    svc.render_version(version_id=agreement.current_version().pk)
    return agreement


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "template", "specific"), CASES, ids=[c[1] for c in CASES])
def test_agreement_access(client, request, agreement, persona, method, template, specific, bob, globex, carol, rachel, adam):
    oscar = make_person("oscar@example.com", mfa=True)
    ProgramOfficer.objects.create(program=ProgramFactory(), user=oscar)
    people = {"alice": request.getfixturevalue("alice"), "carol": carol, "bob": bob, "olivia": request.getfixturevalue("olivia"),
              "oscar": oscar, "rachel": rachel, "adam": adam}
    if persona != "anonymous":
        if persona in MFA:
            login_with_mfa(client, people[persona])
        else:
            client.post("/accounts/login/", {"login": people[persona].email, "password": PASSWORD})
    path = template.format(g=agreement.pk, a=agreement.application_id)
    expected = specific.get(persona, 302 if persona == "anonymous" else 404)
    assert getattr(client, method)(path).status_code == expected
