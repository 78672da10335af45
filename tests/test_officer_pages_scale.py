"""The queue and the dashboard run the same number of queries for 10 and 10,000
applications."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application, State
from portal.identifiers import business_number_check_digit
from portal.models import Company, Region
from tests.conftest import login_with_mfa

pytestmark = pytest.mark.django_db


def add_applications(call, user, count: int, start: int) -> None:
    """Bulk-insert submitted applications with their companies (no per-row services: this is
    about the pages' queries, not the submission)."""
    rng = random.Random(start)
    now = timezone.now()
    companies = []
    for n in range(start, start + count):
        first_nine = f"{300000000 + n:09d}"
        companies.append(Company(
            name=f"대량기업{n}", business_number=first_nine + str(business_number_check_digit(first_nine)),
            representative_name="홍길동", address="주소", region=Region.values[n % len(Region.values)], ksic_code=f"C{rng.randint(10, 34)}111",
            founded_on=datetime.date(2015, 1, 1), employees=10, fiscal_year=2025, revenue_latest=1, revenue_previous=1,
            revenue_before_previous=1, total_assets=1,
        ))
    Company.objects.bulk_create(companies, batch_size=2000)
    form = call.form_versions.get()
    states = [State.SUBMITTED, State.SCREENING, State.UNDER_REVIEW, State.REVISION_REQUESTED, State.INELIGIBLE]
    Application.objects.bulk_create(
        # Every state, region and rule issue already occurs among the first ten, so that
        # each filter has results at both sizes.
        [Application(call=call, company=company, form_version=form, created_by=user, state=states[i % len(states)],
                     receipt_number=f"{call.code}-{start + i:05d}", submitted_at=now - datetime.timedelta(hours=rng.randint(0, 400)),
                     project_title="과제", grant_requested=100_000_000, rule_issues=",certification," if i % 2 == 0 else "")
         for i, company in enumerate(companies)],
        batch_size=2000,
    )


class Queries(list):
    """The SQL a page ran; compares by number, shows the statements when the numbers differ."""

    def __eq__(self, other):
        return len(self) == len(other)

    def __repr__(self):
        return f"{len(self)} queries:\n" + "\n".join(sql[:160] for sql in self)


def count_queries(client, path: str) -> Queries:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return Queries(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("path", [
    "/officer/queue/",
    "/officer/queue/?state=screening&sort=company",
    "/officer/queue/?rule=certification&region=41&page=2",
    "/officer/queue/?q=대량기업1",
    "dashboard",
])
def test_officer_pages_run_constant_queries_from_10_to_10000_applications(client, call, olivia, path, settings, monkeypatch):
    # The session's sliding refresh (one UPDATE every SESSION_REFRESH_SECONDS) is a matter of
    # wall time, not of data size: done once before measuring, then not again.
    settings.SESSION_REFRESH_SECONDS = 24 * 3600
    # Likewise the roles kept in the session (300 s): inserting 10,000 rows on a loaded
    # machine took longer than that, and the second measurement then read the roles again.
    monkeypatch.setattr("portal.roles.SESSION_SECONDS", 24 * 3600)
    login_with_mfa(client, olivia)
    url = f"/officer/calls/{call.pk}/dashboard/" if path == "dashboard" else path
    add_applications(call, olivia, 10, start=0)
    count_queries(client, url)
    few = count_queries(client, url)
    add_applications(call, olivia, 9_990, start=10)
    assert Application.objects.filter(call=call).count() == 10_000
    assert count_queries(client, url) == few
    # The README's table states these numbers; it is kept true by this test.
    if path in README_ROWS:
        assert readme_query_counts()[README_ROWS[path]] == len(few), few


README_ROWS = {"/officer/queue/": "officer queue", "/officer/queue/?state=screening&sort=company": "officer queue, filtered and sorted",
               "dashboard": "call dashboard"}


def readme_query_counts() -> dict[str, int]:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    return {name: int(few) for name, few, _many in re.findall(r"^\| ([a-z ,]+) \| (\d+) \| (\d+) \|$", readme, re.MULTILINE)}


@pytest.mark.postgres
def test_the_queue_reads_its_first_page_off_an_index_not_a_sort_of_the_call(call, olivia):
    """The default order (submitted_at, id) within a call comes from application_queue_order:
    with sorting made prohibitively expensive, PostgreSQL's plan still has no Sort node."""
    from applications.selectors import queue_for_officer

    add_applications(call, olivia, 200, 0)
    sql, params = queue_for_officer(olivia, call_id=call.pk)[:25].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "application_queue_order" in plan and "Sort" not in plan, plan


def test_the_queue_shows_each_row_from_the_columns_it_reads(client, call, olivia):
    add_applications(call, olivia, 3, start=0)
    login_with_mfa(client, olivia)
    html = client.get("/officer/queue/").content.decode()
    application = Application.objects.select_related("company").order_by("submitted_at", "pk").first()
    row = html[html.index(f'value="{application.pk}"'):]
    row = row[:row.index("</tr>")]
    assert f">{application.receipt_number}</a>" in row
    assert f"{application.company.name}<br><span class=\"helptext\">{application.company.business_number_display}</span>" in row
    assert f"<td>{application.company.get_region_display()}</td>" in row
    assert f'status-{application.state}">{application.get_state_display()}</span>' in row
    assert "100,000,000원" in row
    assert "3건" in html or "3 applications" in html


def test_the_filter_form_is_cached_per_officer_and_shows_a_new_call_at_once(client, call, olivia, program):
    """The cached filter HTML: a call added to the officer's program is in the next page,
    and another officer (of another program) never gets this officer's form."""
    from applications.models import ProgramOfficer
    from tests.conftest import make_call, make_person
    from tests.factories import ProgramFactory

    login_with_mfa(client, olivia)
    assert call.title in client.get("/officer/queue/").content.decode()
    make_call(program, olivia, code="SF-2026-10", title="2026년 스마트공장 10차 공고")
    assert "2026년 스마트공장 10차 공고" in client.get("/officer/queue/").content.decode()

    other_program = ProgramFactory(code="MPE", name_ko="소부장 지원")
    oscar = make_person("oscar@example.com", name="오스카", mfa=True)
    ProgramOfficer.objects.create(program=other_program, user=oscar)
    other = client_class()
    login_with_mfa(other, oscar)
    html = other.get("/officer/queue/").content.decode()
    assert call.title not in html and "10차" not in html
    # Olivia loses her program: her cached form goes with it.
    ProgramOfficer.objects.filter(user=olivia).delete()
    response = client.get("/officer/queue/")
    assert response.status_code == 403 or call.title not in response.content.decode()


def client_class():
    from django.test import Client

    return Client()
