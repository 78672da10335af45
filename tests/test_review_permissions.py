"""Every evaluation URL with an object id, tried by every role."""

from __future__ import annotations

import pytest

from applications.models import ProgramOfficer
from reviews.models import Assignment
from reviews.services import evaluation
from tests.conftest import PASSWORD, login_with_mfa, make_person, under_review
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "alice", "bob", "olivia", "oscar", "rachel", "assigned", "conflicted", "adam"]
MFA = {"olivia", "oscar", "rachel", "assigned", "conflicted", "adam"}


@pytest.fixture
def world(call, olivia, alice, acme, bob, globex, panel, reviewers, rachel, adam):
    oscar = make_person("oscar@example.com", mfa=True)
    ProgramOfficer.objects.create(program=ProgramFactory(), user=oscar)
    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    assignments = list(Assignment.objects.filter(application=application).order_by("pk"))
    evaluation.declare_conflict(user=assignments[1].reviewer, assignment_id=assignments[1].pk, reason="친족 관계")
    return {
        "application": application, "assignment": assignments[0], "document": application.documents.first(),
        "people": {"alice": alice, "bob": bob, "olivia": olivia, "oscar": oscar, "rachel": rachel,
                   "assigned": assignments[0].reviewer, "conflicted": assignments[1].reviewer, "adam": adam},
    }


CASES = [
    ("get", "/reviewer/assignments/{a}/", {"assigned": 200}),
    ("post", "/reviewer/assignments/{a}/declare/", {"assigned": 302}),
    ("post", "/reviewer/assignments/{a}/score/", {"assigned": 302}),
    ("get", "/reviewer/assignments/{a}/documents/{d}/", {"assigned": 403}),
    ("get", "/officer/calls/{c}/evaluation/", {"olivia": 200, "adam": 200}),
    ("post", "/officer/calls/{c}/evaluation/panel/", {"olivia": 400, "adam": 403}),
    ("get", "/officer/panels/{p}/", {"olivia": 200, "adam": 200}),
    ("post", "/officer/panels/{p}/auto/", {"olivia": 302, "adam": 403}),
    ("get", "/officer/calls/{c}/ranking/", {"olivia": 200, "adam": 200}),
    ("post", "/officer/calls/{c}/selection/", {"olivia": 302, "adam": 403}),
    ("post", "/applications/{x}/appeal/", {"alice": 302, "olivia": 403, "adam": 403}),
]


def expected_for(persona: str, specific: dict, method: str, path: str) -> int:
    if persona in specific:
        return specific[persona]
    if persona == "anonymous":
        return 302
    return 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "template", "specific"), CASES, ids=[c[1] for c in CASES])
def test_evaluation_access(client, world, persona, method, template, specific):
    if persona != "anonymous":
        user = world["people"][persona]
        if persona in MFA:
            login_with_mfa(client, user)
        else:
            client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assignment = world["assignment"]
    path = template.format(a=assignment.pk, d=world["document"].pk, c=assignment.panel.call_id, p=assignment.panel_id,
                           x=world["application"].pk)
    response = getattr(client, method)(path)
    assert response.status_code == expected_for(persona, specific, method, path)
