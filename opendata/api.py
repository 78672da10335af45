"""The read-only JSON API of the open data (django-ninja): the published grants as
360Giving records, a page at a time, filtered by program, call, award year and region, with
its OpenAPI description at /opendata/api/v1/openapi.json and a browsable copy at …/docs.

Anonymous and public. Each page costs two queries (the count and the page), whatever its
size, and anonymous visitors are served from the public-page cache (portal/page_cache.py)."""

from __future__ import annotations

import math
from typing import Literal

from django.http import HttpRequest
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Schema
from ninja.decorators import decorate_view
from ninja.renderers import JSONRenderer
from pydantic import model_serializer

from opendata import giving
from opendata.selectors import GrantFilters, published_agreements
from portal.models import Region
from portal.page_cache import cache_for_anonymous

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
RegionCode = Literal[tuple(Region.values)]


class KoreanJSON(JSONRenderer):
    """UTF-8 text rather than \\uXXXX escapes: the records are Korean."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="지원사업 협약 공개 데이터 API",
    version="1",
    description=(
        "지원사업 신청 포털에서 체결된 협약을 **360Giving 데이터 표준**(1.4)의 grant 레코드로 제공하는 읽기 전용 API입니다. "
        "협약이 효력을 가진 날부터 사업별로 정한 유예기간(기본 30일)이 지나면 공개됩니다. 인증 없이 쓸 수 있습니다.\n\n"
        "개인사업자는 `recipientIndividual`(이름: 개인사업자)로 익명 표시하며 상호, 대표자, 사업자등록번호를 싣지 않습니다. "
        "법인은 `recipientOrganization`에 org-id(`KR-BRN-사업자등록번호`)와 법인등록번호(`companyNumber`)를 싣습니다.\n\n"
        "전체 자료는 360Giving 패키지(JSON)와 표준의 열 제목을 쓴 CSV로도 내려받을 수 있습니다: /opendata/grants.json, /opendata/grants.csv"
    ),
    urls_namespace="opendata_api",
    renderer=KoreanJSON(),
    # The description and its browsable docs answer GET and HEAD only, like every read of the portal.
    docs_decorator=require_safe,
)


class Record(Schema):
    """A part of a 360Giving record: a field without a value is left out, as in the
    downloads (a grant has a recipientOrganization or a recipientIndividual, never both)."""

    @model_serializer(mode="wrap")
    def _without_empty_fields(self, handler):
        return {key: value for key, value in handler(self).items() if value is not None}


class Organisation(Record):
    id: str = Field(description="org-id: KR-BRN-사업자등록번호 (법인·공공기관), 또는 포털 접두어의 식별자")
    name: str
    companyNumber: str | None = Field(None, description="법인등록번호 (13자리)")
    addressLocality: str | None = Field(None, description="시·군·구")
    addressRegion: str | None = Field(None, description="시·도")
    addressCountry: str | None = None


class Individual(Record):
    id: str = Field(description="이 협약에만 쓰는 식별자 (사람을 가리키지 않음)")
    name: str = Field(description="언제나 '개인사업자'")


class Location(Record):
    name: str
    countryCode: str
    geoCode: str = Field(description="행정표준코드: 시·도 2자리, 시·군·구 5자리")
    geoCodeType: Literal["KR-SIDO", "KR-SIGUNGU"]


class Period(Record):
    startDate: str = Field(description="협약기간 시작일 (YYYY-MM-DD)")
    endDate: str = Field(description="협약기간 종료일 (YYYY-MM-DD)")


class Programme(Record):
    code: str = Field(description="공고 코드")
    title: str = Field(description="사업명 · 공고명")
    url: str


class Grant(Record):
    """360Giving 데이터 표준의 grant 하나: 협약 하나."""

    id: str = Field(description="포털의 360Giving 접두어 + 협약번호")
    title: str
    description: str
    currency: Literal["KRW"]
    amountAwarded: int = Field(description="정부지원금 (원)")
    awardDate: str = Field(description="협약이 효력을 가진 날 (YYYY-MM-DD, 한국 시간)")
    plannedDates: list[Period]
    recipientOrganization: list[Organisation] | None = Field(None, description="법인·공공기관인 수혜자 (개인사업자는 없음)")
    recipientIndividual: Individual | None = Field(None, description="익명 처리한 개인사업자 (법인은 없음)")
    beneficiaryLocation: list[Location] | None = None
    fundingOrganization: list[Organisation]
    grantProgramme: list[Programme]
    fromOpenCall: Literal["Yes", "No"]
    locationScope: str = Field(description="GLS030 전국 공고, GLS040 지역 한정 공고")
    dateModified: str
    dataSource: str


class GrantPage(Schema):
    count: int = Field(description="조건에 맞는 공개 협약 수")
    page: int
    pages: int
    page_size: int
    next: str | None = Field(None, description="다음 쪽 주소")
    previous: str | None = Field(None, description="이전 쪽 주소")
    grants: list[Grant]


class GrantQuery(Schema):
    program: str = Field("", description="사업 코드 (예: smart-factory)")
    call: str = Field("", description="공고 코드 (예: SF-2026-1)")
    year: int | None = Field(None, ge=2000, le=2100, description="협약이 효력을 가진 해 (한국 시간)")
    region: RegionCode | None = Field(None, description="수혜 기업 소재지의 시·도 코드 (행정표준코드 2자리, 예: 48 경상남도)")
    page: int = Field(1, ge=1)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _page_url(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@api.get("/grants", response=GrantPage, summary="공개된 협약 목록", url_name="grants", tags=["공개 협약"])
@decorate_view(cache_for_anonymous)
def grants(request: HttpRequest, query: Query[GrantQuery]):
    """공개된 협약(360Giving grant)을 효력 발생 순으로 한 쪽씩 돌려줍니다. 사업, 공고, 연도, 시·도로 좁힐 수 있습니다."""
    found = GrantFilters(program=query.program, call=query.call, year=query.year, region=query.region or "").apply(published_agreements())
    count = found.count()
    pages = max(1, math.ceil(count / query.page_size))
    start = (query.page - 1) * query.page_size
    page = list(found[start:start + query.page_size]) if start < count else []
    return {
        "count": count, "page": query.page, "pages": pages, "page_size": query.page_size,
        "next": _page_url(request, query.page + 1) if query.page < pages else None,
        "previous": _page_url(request, query.page - 1) if 1 < query.page <= pages else None,
        "grants": [giving.grant(agreement) for agreement in page],
    }
