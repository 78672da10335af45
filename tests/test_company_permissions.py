"""Who may see and change a company: role × action, checked through the views."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "alice", "carol", "bob", "olivia", "adam"]
# Expected status for each (action, persona). Non-members get 404 so nothing about the
# company is revealed; members who are not the owner get 403 for owner actions.
EXPECTED = {
    "view": {"anonymous": 302, "alice": 200, "carol": 200, "bob": 404, "olivia": 404, "adam": 200},
    "edit": {"anonymous": 302, "alice": 200, "carol": 403, "bob": 404, "olivia": 404, "adam": 200},
    "invite": {"anonymous": 302, "alice": 302, "carol": 403, "bob": 404, "olivia": 404, "adam": 403},
}


def _sign_in(client, request, persona):
    if persona == "anonymous":
        return
    user = request.getfixturevalue(persona)
    if persona in {"olivia", "adam"}:
        login_with_mfa(client, user)
    else:
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_company_access_matrix(client, request, acme, globex, persona, action):
    _sign_in(client, request, persona)
    if action == "view":
        response = client.get(f"/companies/{acme.pk}/")
    elif action == "edit":
        response = client.get(f"/companies/{acme.pk}/edit/")
    else:
        response = client.post(f"/companies/{acme.pk}/invite/", {"email": "eve@example.com"})
    assert response.status_code == EXPECTED[action][persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_rules_predicates_agree_with_the_selector(request, acme, globex, persona):
    from django.contrib.auth.models import AnonymousUser

    from portal.models import Company
    from portal.selectors import companies_for_user

    user = AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)
    visible_by_rule = {c.pk for c in Company.objects.all() if user.has_perm("portal.view_company", c)}
    if user.is_authenticated and not user.is_superuser:
        assert visible_by_rule == set(companies_for_user(user).values_list("pk", flat=True))
    elif user.is_authenticated:
        assert visible_by_rule == set(Company.objects.values_list("pk", flat=True))
    else:
        assert visible_by_rule == set()
