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


def test_the_region_and_industry_filters_follow_the_calls_own_location_and_ksic_rules(client, program, olivia):
    """A zone call open only to 춘천·원주 (a 시·군·구 rule) is not listed for 경남 (48), and a
    call allowing KSIC C29 only is not listed for C10: the filters read the same rules the
    eligibility check applies."""
    from applications.demo import open_now
    from applications.models import FormVersion
    from applications.services import calls as svc

    def configured(title, kind, params):
        call = CallFactory(program=program, title=title, opens_at=timezone.now() + timedelta(days=1),
                           closes_at=timezone.now() + timedelta(days=20))
        FormVersion.objects.create(call=call, number=1)
        svc.rule_add(user=olivia, call=call, kind=kind, params=params, is_hard=True)
        return open_now(call)

    configured("강원 특구 공고", "location", {"codes": ["51110", "51130"], "basis": "site"})
    configured("본사 기준 공고", "location", {"codes": ["11680"], "basis": "headquarters"})
    configured("자동차 부품 공고", "ksic", {"allow": ["C29199", "C30"]})

    def titles(query):
        response = client.get("/calls/" + query)
        return {c.title for c in response.context["calls"]}

    assert titles("?region=48&industry=C29") == {"본사 기준 공고", "자동차 부품 공고"}
    assert titles("?region=51&industry=C29") == {"강원 특구 공고", "본사 기준 공고", "자동차 부품 공고"}
    assert titles("?region=51&industry=C10") == {"강원 특구 공고", "본사 기준 공고"}
    assert titles("?industry=C30111") == {"강원 특구 공고", "본사 기준 공고", "자동차 부품 공고"}


def test_an_industry_rule_and_a_ksic_rule_together_list_the_call_under_what_both_allow(client, program, olivia):
    """Divisions C25 and C29 from one rule, section C from another: the call is for C25 and
    C29 — not dropped from every industry filter because {C25, C29} and {C} share no code."""
    from applications.demo import open_now
    from applications.models import FormVersion
    from applications.services import calls as svc

    call = CallFactory(program=program, title="금속·기계 공고", opens_at=timezone.now() + timedelta(days=1),
                       closes_at=timezone.now() + timedelta(days=20))
    FormVersion.objects.create(call=call, number=1)
    svc.rule_add(user=olivia, call=call, kind="industry", params={"divisions": ["C25", "C29"]}, is_hard=True)
    svc.rule_add(user=olivia, call=call, kind="ksic", params={"allow": ["C", "J58"]}, is_hard=True)
    open_now(call)

    def listed(industry):
        return "금속·기계 공고" in {c.title for c in client.get(f"/calls/?industry={industry}").context["calls"]}

    assert listed("C25") and listed("C29") and listed("C29199")
    assert not listed("C10") and not listed("J58")
