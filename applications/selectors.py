"""Reads for programs, calls and applications, narrowed to what the person may see."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationEvent, Call, FormVersion, RequiredDocument

CLOSING_SOON_DAYS = 7


def public_open_calls(*, now) -> QuerySet[Call]:
    return Call.objects.published().open_at(now).select_related("program").order_by("closes_at")


def catalogue_calls(*, now, program: str = "", region: str = "", division: str = "", closing_soon: bool = False,
                    include_upcoming: bool = True) -> QuerySet[Call]:
    """Open (and upcoming) published calls, filtered in SQL so the page's query count does
    not grow with the number of calls."""
    timing = Q(opens_at__lte=now, closes_at__gt=now)
    if include_upcoming and not closing_soon:
        timing |= Q(opens_at__gt=now)
    calls = Call.objects.published().filter(timing).select_related("program")
    if program:
        calls = calls.filter(program__code=program)
    if region:
        calls = calls.filter(Q(all_regions=True) | Q(regions__region=region))
    if division:
        calls = calls.filter(Q(all_industries=True) | Q(industries__division=division.upper()[:3]))
    if closing_soon:
        calls = calls.filter(closes_at__lte=now + datetime.timedelta(days=CLOSING_SOON_DAYS))
    return calls.distinct().order_by("closes_at")


def call_for_public(user, code: str) -> Call:
    """A published call; staff of its program may also preview it unpublished."""
    call = (
        Call.objects.select_related("program")
        .prefetch_related("levels", "attachments", Prefetch("required_documents", queryset=RequiredDocument.objects.order_by("order", "pk")), "rules")
        .filter(code=code)
        .first()
    )
    if call is None or not (call.is_published or user.has_perm("applications.manage_call", call)):
        raise Http404(_("No such call."))
    return call


def calls_for_officer(user) -> QuerySet[Call]:
    calls = Call.objects.select_related("program").order_by("-opens_at")
    if user.is_superuser:
        return calls
    return calls.filter(program__officer_links__user=user)


def call_for_officer(user, pk: int, *, for_update: bool = False) -> Call:
    queryset = Call.objects.select_related("program")
    if for_update:
        queryset = queryset.select_for_update()
    call = queryset.filter(pk=pk).first()
    if call is None or not user.has_perm("applications.manage_call", call):
        raise Http404(_("No such call."))
    return call


def current_form(call: Call) -> FormVersion:
    return call.form_versions.order_by("-number").first()


def application_for_user(user, pk: int, *, perm: str = "applications.view_application", for_update: bool = False) -> Application:
    """The one way views reach an application: 404 when the person may not see it (nothing
    is revealed), 403 when they may see it but not do `perm`."""
    queryset = Application.objects.select_related("call__program", "company", "form_version", "support_level")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    application = queryset.filter(pk=pk).first()
    if application is None or not user.has_perm("applications.view_application", application):
        raise Http404(_("No such application."))
    if perm != "applications.view_application" and not user.has_perm(perm, application):
        raise PermissionDenied(_("You may not do this with this application in its current state."))
    return application


def applications_for_user(user) -> QuerySet[Application]:
    return (
        Application.objects.filter(company__memberships__user=user)
        .select_related("call__program", "company")
        .annotate(last_event_at=Max("events__created_at"))
        .order_by("-updated_at")
    )


def timeline(application: Application) -> QuerySet[ApplicationEvent]:
    return application.events.select_related("actor").order_by("seq")
