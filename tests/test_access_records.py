"""접속기록: every read of personal or company data by someone acting for
the agency leaves one record — who, when, what, from where — searchable and exportable by an
administrator; the company's own reads and anonymous pages leave none."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client

from portal.models import AccessRecord
from tests.conftest import PASSWORD, login_with_mfa

pytestmark = pytest.mark.django_db


def staff_reads(world) -> list[tuple[str, str, str, str]]:
    """The probe's reads: (person, url, expected action, expected target id)."""
    application, agreement, assignment = world["application"], world["agreement"], world["assignment"]
    document = world["document"]
    return [
        ("olivia", f"/officer/applications/{application.pk}/", "view", str(application.pk)),
        ("olivia", f"/applications/{application.pk}/documents/{document.pk}/", "download", str(application.pk)),
        ("olivia", "/officer/queue/", "list", ""),
        ("olivia", f"/agreements/{agreement.pk}/", "view", str(agreement.pk)),
        ("olivia", f"/agreements/{agreement.pk}/versions/1.pdf", "download", str(agreement.pk)),
        ("olivia", f"/officer/panels/{assignment.panel_id}/", "list", str(assignment.panel_id)),
        ("assigned", f"/reviewer/assignments/{assignment.pk}/", "view", str(assignment.pk)),
    ]


def test_every_staff_read_leaves_one_record_and_applicants_none(world, client):
    from django.urls import reverse

    reads = staff_reads(world)
    clients = {}
    for person, url, _action, _target in reads:
        if person not in clients:
            clients[person] = Client(REMOTE_ADDR="203.0.113.7")
            login_with_mfa(clients[person], world["people"][person])
        assert clients[person].get(url).status_code == 200, url
    records = list(AccessRecord.objects.order_by("pk"))
    assert [(r.actor_email, r.action, r.target_id, r.ip_address) for r in records] == [
        (world["people"][person].email, action, target, "203.0.113.7") for person, _url, action, target in reads
    ]
    assert records[0].page == "officer_application" and records[0].path == reads[0][1]
    # The company's own member reading its application is not an access record.
    applicant = Client()
    applicant.post("/accounts/login/", {"login": world["people"]["alice"].email, "password": PASSWORD})
    applicant.get(reverse("application_detail", args=[world["application"].pk]))
    applicant.get(f"/applications/{world['application'].pk}/documents/{world['document'].pk}/")
    assert AccessRecord.objects.count() == len(reads)
    # A refused read is not a read.
    clients["olivia"].get("/officer/applications/999999/")
    assert AccessRecord.objects.count() == len(reads)


def test_admin_reads_of_companies_are_recorded_and_the_admin_finds_and_exports_them(world, adam):
    admin = Client(REMOTE_ADDR="198.51.100.4")
    login_with_mfa(admin, adam)
    acme = world["acme"]
    assert admin.get(f"/admin/portal/company/{acme.pk}/change/").status_code == 200
    assert admin.get("/admin/portal/company/").status_code == 200
    record = AccessRecord.objects.get(target_type="portal.company", target_id=str(acme.pk))
    assert (record.actor, record.action, record.ip_address) == (adam, "view", "198.51.100.4")

    # Search by person and by record, in the admin's own list (itself a recorded read).
    found = admin.get("/admin/portal/accessrecord/", {"q": adam.email}).content.decode()
    assert f"/admin/portal/company/{acme.pk}/change/" in found
    # Exported as CSV for an auditor.
    response = admin.post("/admin/portal/accessrecord/", {"action": "export_csv", "_selected_action": list(
        AccessRecord.objects.values_list("pk", flat=True))})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["시각(KST)", "계정", "접속지", "수행업무", "화면", "정보 종류", "정보 번호", "주소"]
    assert any(row[1] == adam.email and row[6] == str(acme.pk) for row in rows[1:])
    # Nobody edits or deletes them, the administrator included.
    assert admin.post(f"/admin/portal/accessrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_the_records_of_a_period_are_exported_by_command(world, tmp_path):
    client = Client()
    login_with_mfa(client, world["people"]["olivia"])
    client.get(f"/officer/applications/{world['application'].pk}/")
    out = tmp_path / "access.csv"
    call_command("export_access_records", "--since", "2026-01-01", "--output", str(out), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and rows[1][1] == world["people"]["olivia"].email and rows[1][3] == "view"


def test_an_officer_reading_the_applicants_copy_and_its_pdf_is_recorded(world):
    from applications.models import ApplicationCopy
    from applications.services.copies import copy_render, copy_request

    application, olivia = world["application"], world["people"]["olivia"]
    officer = Client(REMOTE_ADDR="203.0.113.9")
    login_with_mfa(officer, olivia)
    assert officer.get(f"/applications/{application.pk}/copy/").status_code == 200
    application.refresh_from_db()
    copy_request(user=world["people"]["alice"], application=application)  # the company asked for its PDF
    assert officer.get(f"/applications/{application.pk}/copy/pdf/").status_code == 302  # not ready: nothing shown, no record
    copy_render(copy_id=ApplicationCopy.objects.get(application=application).pk)  # what the worker does
    download = officer.get(f"/applications/{application.pk}/copy/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert [(r.actor, r.action, r.page, r.target_type, r.target_id, r.ip_address) for r in AccessRecord.objects.order_by("pk")] == [
        (olivia, "view", "application_copy", "applications.application", str(application.pk), "203.0.113.9"),
        (olivia, "download", "application_copy_pdf", "applications.application", str(application.pk), "203.0.113.9"),
    ]


def test_the_admins_lists_of_invitations_join_requests_audit_events_and_addresses_are_recorded(matrix_world, adam):
    from allauth.account.models import EmailAddress

    admin = Client(REMOTE_ADDR="198.51.100.4")
    login_with_mfa(admin, adam)
    AccessRecord.objects.all().delete()  # the sign-in's own pages are not what this test reads
    address = EmailAddress.objects.get(email=matrix_world["people"]["alice"].email)
    pages = [
        ("/admin/portal/companyinvitation/", "list", "portal.companyinvitation", ""),
        (f"/admin/portal/companyinvitation/{matrix_world['invitation'].pk}/change/", "view", "portal.companyinvitation",
         str(matrix_world["invitation"].pk)),
        ("/admin/portal/companyjoinrequest/", "list", "portal.companyjoinrequest", ""),
        (f"/admin/portal/companyjoinrequest/{matrix_world['join_request'].pk}/change/", "view", "portal.companyjoinrequest",
         str(matrix_world["join_request"].pk)),
        ("/admin/portal/auditevent/", "list", "portal.auditevent", ""),
        ("/admin/account/emailaddress/", "list", "account.emailaddress", ""),
        (f"/admin/account/emailaddress/{address.pk}/change/", "view", "account.emailaddress", str(address.pk)),
    ]
    for url, _action, _type, _target in pages:
        assert admin.get(url).status_code == 200, url
    assert [(r.actor, r.action, r.target_type, r.target_id, r.path) for r in AccessRecord.objects.order_by("pk")] == [
        (adam, action, target_type, target, url) for url, action, target_type, target in pages
    ]


def test_every_model_in_the_admin_is_recorded_or_declared_free_of_personal_data():
    """A model added to the admin must be placed: its pages recorded, or said to hold no one's data."""
    from django.contrib import admin

    from portal.access import ADMIN_MODELS, ADMIN_MODELS_WITHOUT_PERSONAL_DATA

    registered = {f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry}
    assert registered - ADMIN_MODELS - ADMIN_MODELS_WITHOUT_PERSONAL_DATA == set()
    assert not ADMIN_MODELS & ADMIN_MODELS_WITHOUT_PERSONAL_DATA
