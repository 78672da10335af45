"""The Django admin reads as Korean: the audit log's title, columns, actions and records in
words, times on the 24-hour clock, every column and field of every model labelled in Korean,
and other apps' models under Korean names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, label_for_field
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from portal.audit_actions import ACTION_LABELS
from portal.models import AuditEvent
from tests.conftest import login_with_mfa

pytestmark = pytest.mark.django_db
HANGUL = re.compile("[가-힣]")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def as_adam(adam):
    client = Client()
    login_with_mfa(client, adam)
    return client


@pytest.fixture
def created(call, olivia):
    """The audit event of a call's creation, as the officer's "new call" page records it."""
    from portal.services.audit import audit_record

    return audit_record(actor=olivia, action="call.created", target=call, ip="198.51.100.7", data={"code": call.code})


def test_the_audit_log_reads_as_korean(as_adam, call, created):
    html = as_adam.get("/admin/portal/auditevent/").content.decode()
    assert "<h1>조회할 감사 기록 선택</h1>" in html and "보기위한" not in html
    head = html[html.index('id="result_list"'):]
    head = head[:head.index("</thead>")]
    headers = [re.sub(r"<[^>]+>|\s", "", cell) for cell in re.findall(r'<th scope="col".*?>(.*?)</th>', head, re.S)]
    assert headers == ["시각", "수행자", "작업", "대상", "IP주소"], headers
    row = re.search(rf'<a href="/admin/portal/auditevent/{created.pk}/change/[^"]*">([^<]+)</a></th>(.*?)</tr>', html, re.S)
    local = timezone.localtime(created.created_at)
    assert row.group(1) == f"{local.year}년 {local.month}월 {local.day}일 {local:%H:%M}"  # 23:32, never 11:32 오후
    assert f'<td class="field-action_name">공고 생성</td><td class="field-target">공고 #{call.pk}</td>' in row.group(2)
    assert "call.created" not in row.group(2) and "applications.call" not in row.group(2)
    # The filter names the actions too, and filters by them.
    assert "작업별" in html and "(으)로" not in html
    assert '<a href="?action_code=call.created">공고 생성</a>' in html
    filtered = as_adam.get("/admin/portal/auditevent/", {"action_code": "call.created"}).content.decode()
    assert filtered.count('class="field-action_name"') == 1 < AuditEvent.objects.count()


def test_an_audit_event_opens_as_a_korean_record(as_adam, created):
    html = as_adam.get(f"/admin/portal/auditevent/{created.pk}/change/").content.decode()
    assert "<h1>감사 기록 보기</h1>" in html and "뷰 " not in html
    assert f"<h2>공고 생성 · 공고 #{created.target_id}</h2>" in html
    for label in ("수행자", "작업", "작업 코드", "대상", "IP 주소", "세부 내용", "일련번호", "이전 해시", "해시"):
        assert f"<label>{label}:</label>" in html, label
    assert '<div class="readonly">공고 생성</div>' in html


def test_every_action_the_portal_records_has_a_name():
    """An action recorded in code (audit_record(..., action="…")) appears in the admin by its
    Korean name: none is left to show as a code."""
    recorded = set()
    for folder in ("portal", "applications", "reviews"):
        for path in (ROOT / folder).rglob("*.py"):
            for call in re.findall(r"audit_record\((.*?)\)\n", path.read_text(), re.S):
                recorded.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', call.split("action=", 1)[-1].split("target=")[0]))
    assert recorded and recorded <= set(ACTION_LABELS), sorted(recorded - set(ACTION_LABELS))
    with translation.override("ko"):
        assert all(HANGUL.search(str(label)) for label in ACTION_LABELS.values())


def test_every_column_and_field_of_the_admin_is_labelled_in_korean(adam):
    request = RequestFactory().get("/admin/")
    request.user = adam
    unlabelled = []
    with translation.override("ko"):
        for model, model_admin in admin.site._registry.items():
            shown = [(model, model_admin)] + [(inline.model, inline) for inline in model_admin.get_inline_instances(request)]
            for shown_model, shown_admin in shown:
                fieldsets = shown_admin.get_fieldsets(request, shown_model())
                names = [*getattr(shown_admin, "list_display", []), *flatten_fieldsets(fieldsets), *shown_admin.get_readonly_fields(request)]
                for name in names:
                    if callable(name) or name == "__str__" or name == "id":
                        continue
                    label = str(label_for_field(name, shown_model, shown_admin))
                    if not HANGUL.search(label):
                        unlabelled.append(f"{shown_model._meta.label}.{name}: {label}")
                unlabelled += [f"{shown_model._meta.label} section {title}" for title, _options in fieldsets
                               if title and not HANGUL.search(str(title))]
            if not HANGUL.search(str(model._meta.verbose_name_plural)):
                unlabelled.append(f"{model._meta.label}: {model._meta.verbose_name_plural}")
    assert not unlabelled, unlabelled


def test_other_apps_models_have_korean_names_in_the_admin(as_adam):
    html = as_adam.get("/admin/").content.decode()
    assert '<a href="/admin/sites/site/">사이트</a>' in html and "사업장" not in html and "사이트들" not in html
    assert '<a href="/admin/mfa/authenticator/">2단계 인증 수단</a>' in html and "Authenticators" not in html
    html = as_adam.get("/admin/mfa/authenticator/").content.decode()
    assert all(f">{label}</a>" in html for label in ("사용자", "종류", "등록 시각", "마지막 사용"))
