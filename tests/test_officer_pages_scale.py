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
def test_officer_pages_run_constant_queries_from_10_to_10000_applications(client, call, olivia, path, settings):
    # The session's sliding refresh (one UPDATE every SESSION_REFRESH_SECONDS) is a matter of
    # wall time, not of data size: done once before measuring, then not again.
    settings.SESSION_REFRESH_SECONDS = 24 * 3600
    login_with_mfa(client, olivia)
    url = f"/officer/calls/{call.pk}/dashboard/" if path == "dashboard" else path
    add_applications(call, olivia, 10, start=0)
    count_queries(client, url)
    few = count_queries(client, url)
    add_applications(call, olivia, 9_990, start=10)
    assert Application.objects.filter(call=call).count() == 10_000
    assert count_queries(client, url) == few


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
