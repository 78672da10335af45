"""Baselines for the HTTP benchmark, mounted only by benchmarks.urls (benchmarks.settings): the same
middleware as every page, and nothing else (or one INSERT)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.models import OutboundEmail


def bare(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        for upload in request.FILES.values():
            for _chunk in upload.chunks():
                pass
    return HttpResponse("ok")


@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    # One plain row (marked sent, so no sweep ever delivers it); the audit log is a hash chain
    # with a locked head, not a bare INSERT.
    OutboundEmail.objects.create(subject="bench", body="", to=[], sent_at=timezone.now())
    return HttpResponse("ok", status=302, headers={"Location": "/"})
