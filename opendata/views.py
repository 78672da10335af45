"""The open data's page (in the visitor's language, Korean first) and its two downloads:
the 360Giving package (JSON) and the standard's flattened CSV, streamed from one query."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from applications.models import Program
from opendata import giving
from opendata.selectors import published_agreements
from portal.page_cache import cache_for_anonymous

# Rows read from the database at a time while a download streams.
CHUNK = 500


@require_safe
@cache_for_anonymous
def index(request: HttpRequest) -> HttpResponse:
    programs = Program.objects.order_by("name_ko").only("name_ko", "name_en", "managing_agency", "open_data_delay_days")
    return render(request, "opendata/index.html", {
        "programs": programs, "published": published_agreements().count(), "grant_prefix": settings.OPEN_DATA_GRANT_PREFIX,
        "org_list": settings.OPEN_DATA_ORG_LIST, "license": settings.OPEN_DATA_LICENSE, "version": giving.VERSION,
    })


@require_safe
def grants_json(request: HttpRequest) -> StreamingHttpResponse:
    """Every published grant in one 360Giving package (`{"grants": [...]}` and its metadata).
    With nothing published yet the list is empty: the standard's package wants at least one
    grant, so a harvester sees an empty file as "nothing yet", not as a broken one."""
    chunks = giving.package_chunks(published_agreements().iterator(chunk_size=CHUNK))
    return StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type="application/json; charset=utf-8")


@require_safe
def grants_csv(request: HttpRequest) -> StreamingHttpResponse:
    chunks = giving.csv_chunks(published_agreements().iterator(chunk_size=CHUNK))
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grants-360giving.csv"'
    return response


@require_safe
def api_root(request: HttpRequest) -> HttpResponseRedirect:
    """The API's own address leads to its documentation (django-ninja answers it with a 404)."""
    return redirect("opendata_api:openapi-view")
