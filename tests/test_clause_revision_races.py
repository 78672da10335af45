"""Two administrators revise a family's standard agreement clauses at the same moment, with
real threads on PostgreSQL: each gets a version of its own, numbered one after the other,
and the page answers both in words, never with a server error.

The first revision is held after it has written its version and before it commits, while
the second runs until it waits for the first: the interleaving that gave both the same
number (and the second an IntegrityError, a 500 on the page) is played every time."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from applications.models import ClauseSet, ProgramFamily
from applications.services import clauses
from portal.models import AuditEvent
from tests.conftest import login_with_mfa, make_person
from tests.test_money_races import Pause

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FAMILY = ProgramFamily.SMART_FACTORY


def first_version() -> ClauseSet:
    return ClauseSet.objects.get(family=FAMILY, version=1)


def versions() -> list[int]:
    return list(ClauseSet.objects.filter(family=FAMILY).order_by("version").values_list("version", flat=True))


def test_two_revisions_at_once_get_two_consecutive_versions(adam, monkeypatch):
    source = first_version()
    pause = Pause(monkeypatch, clauses, "audit_record")  # the first has written its version, not committed it
    first, second = pause.interleave(lambda: clauses.clause_set_revise(user=adam, clause_set_id=source.pk),
                                     lambda: clauses.clause_set_revise(user=adam, clause_set_id=source.pk))
    assert isinstance(first, ClauseSet) and isinstance(second, ClauseSet), (first, second)
    assert (first.version, second.version) == (2, 3)
    assert versions() == [1, 2, 3]
    # Each a full copy of the text it was made from.
    articles = source.clauses.count()
    assert [ClauseSet.objects.get(pk=made.pk).clauses.count() for made in (first, second)] == [articles, articles]
    assert sorted(AuditEvent.objects.filter(action="clauses.revised").values_list("data__version", flat=True)) == [2, 3]


def two_administrators(adam) -> list[Client]:
    """Adam and Ava signed in (a second factor's code is taken once: one person, one sign-in)."""
    ava = make_person("ava@example.com", name="에바", mfa=True, is_staff=True, is_superuser=True)
    pages = [Client(), Client()]
    for page, person in zip(pages, (adam, ava)):
        login_with_mfa(page, person)
    return pages


def last_message(response) -> str:
    """What the page says after the action (the sign-in's greeting may still be queued before it)."""
    return str(list(get_messages(response.wsgi_request))[-1])


def revise_through_the_page(client: Client, clause_set: ClauseSet):
    return client.post("/admin/applications/clauseset/", {"action": "revise", "_selected_action": [clause_set.pk]})


def test_two_administrators_revising_at_once_both_get_a_version_through_the_page(adam, monkeypatch):
    source = first_version()
    pages = two_administrators(adam)
    pause = Pause(monkeypatch, clauses, "audit_record")
    first, second = pause.interleave(lambda: revise_through_the_page(pages[0], source), lambda: revise_through_the_page(pages[1], source))
    made = {clause_set.version: clause_set.pk for clause_set in ClauseSet.objects.filter(family=FAMILY, version__gt=1)}
    assert sorted(made) == [2, 3]
    assert (first.status_code, second.status_code) == (302, 302)
    assert {first["Location"], second["Location"]} == {f"/admin/applications/clauseset/{pk}/change/" for pk in made.values()}
    said = sorted(last_message(response) for response in (first, second))
    assert said == [f"제{n}판을 만들었습니다. 시행일 전에 내용을 고치세요. 이미 작성한 협약서는 작성할 때의 판을 그대로 유지합니다." for n in (2, 3)], said


def test_a_revision_that_still_meets_a_taken_number_is_refused_in_words(adam, monkeypatch):
    """Without the family's lock (as when a version was numbered outside it) the second
    revision meets the number the first took: the page says so and nothing is made."""
    monkeypatch.setattr(clauses, "lock_versions", lambda family: None)
    source = first_version()
    pages = two_administrators(adam)
    pause = Pause(monkeypatch, clauses, "audit_record")
    first, second = pause.interleave(lambda: revise_through_the_page(pages[0], source), lambda: revise_through_the_page(pages[1], source))
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == "/admin/applications/clauseset/"
    assert last_message(second) == "같은 때에 이 일반조건의 다른 판이 만들어졌습니다. 아무것도 만들지 않았습니다. 판 목록을 다시 보고 가장 새 판을 고치세요."
    assert versions() == [1, 2]
    assert AuditEvent.objects.filter(action="clauses.revised").count() == 1
