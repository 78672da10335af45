"""Baselines for the HTTP benchmark, mounted only by benchmarks.urls (benchmarks.settings): the same
middleware as every page, and nothing else (or one INSERT)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from portal.models import AuditEvent


def bare(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        for upload in request.FILES.values():
            for _chunk in upload.chunks():
                pass
    return HttpResponse("ok")


@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    AuditEvent.objects.create(action="bench.insert", target_type="bench", target_id="0")
    return HttpResponse("ok", status=302, headers={"Location": "/"})
