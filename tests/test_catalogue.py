"""The public catalogue: filters, and a constant number of queries whatever the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Call, CallIndustry, CallRegion
from portal.models import CompanyMembership
from tests.conftest import PASSWORD, make_complete_draft, make_person
from tests.factories import CallFactory, CompanyFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _restricted(call: Call, *, regions=(), divisions=()):
    if regions:
        Call.objects.filter(pk=call.pk).update(all_regions=False)
        CallRegion.objects.bulk_create(CallRegion(call=call, region=r) for r in regions)
    if divisions:
        Call.objects.filter(pk=call.pk).update(all_industries=False)
        CallIndustry.objects.bulk_create(CallIndustry(call=call, division=d) for d in divisions)


def test_filters_by_program_region_industry_and_closing_soon(client):
    now = timezone.now()
    smart, zone = ProgramFactory(code="smart"), ProgramFactory(code="zone")
    factory_call = CallFactory(program=smart, title="스마트공장 공고")
    _restricted(factory_call, divisions=["C29"])
    gangwon = CallFactory(program=zone, title="강원 특구 공고", closes_at=now + timedelta(days=3))
    _restricted(gangwon, regions=["51"])
    CallFactory(program=zone, title="예정 공고", opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=40))

    def titles(query):
        return [c.title for c in client.get("/calls/" + query).context["calls"]]

    # Open now (the default tab), and the upcoming one in its own tab.
    assert set(titles("")) == {"스마트공장 공고", "강원 특구 공고"}
    assert set(titles("?tab=upcoming")) == {"예정 공고"}
    assert set(titles("?program=smart")) == {"스마트공장 공고"}
    assert set(titles("?region=51")) == {"스마트공장 공고", "강원 특구 공고"}
    assert set(titles("?region=11")) == {"스마트공장 공고"}
    assert set(titles("?region=11&tab=upcoming")) == {"예정 공고"}
    assert set(titles("?industry=C29")) == {"스마트공장 공고", "강원 특구 공고"}
    assert set(titles("?industry=G47")) == {"강원 특구 공고"}
    assert set(titles("?industry=G47&tab=upcoming")) == {"예정 공고"}
    assert set(titles("?closing_soon=on")) == {"강원 특구 공고"}


def test_a_bad_industry_filter_gets_a_message_not_an_error(client):
    response = client.get("/calls/?industry=%%%")
    assert response.status_code == 200
    assert "industry" in response.context["form"].errors


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_call_list_runs_the_same_queries_for_few_and_many_calls(client):
    program = ProgramFactory()
    CallFactory.create_batch(2, program=program)
    few = _queries(client, "/calls/?region=11")
    CallFactory.create_batch(40, program=program)
    assert _queries(client, "/calls/?region=11") == few


def test_dashboard_runs_the_same_queries_for_few_and_many_applications(client, call):
    person = make_person("busy@example.com")
    companies = [CompanyFactory() for _ in range(12)]
    for company in companies:
        CompanyMembership.objects.create(company=company, user=person, role="owner")
    make_complete_draft(person, companies[0], call)
    client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    client.get("/applications/")  # the first page after signing in reads the roles into the session
    few = _queries(client, "/applications/")
    program = call.program
    for company in companies[1:]:
        other = CallFactory(program=program)
        from applications.models import FormVersion

        FormVersion.objects.create(call=other, number=1)
        from applications.services.submission import application_start

        application_start(user=person, call=other, company=company)
    assert _queries(client, "/applications/") == few
