"""The public catalogue of calls, a call's page and the eligibility self-check."""

from __future__ import annotations

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from applications import eligibility
from applications.models import Application, Program
from applications.selectors import CATALOGUE_TABS, call_for_public, catalogue_calls, catalogue_counts, rules_described
from applications.services.submission import self_check
from portal import codelists
from portal.http import arrived_at
from portal.models import Region
from portal.page_cache import cache_for_anonymous
from portal.selectors import companies_for_user
from portal.uploads import as_safe_download


class CatalogueFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 스마트공장, 소재부품")}))
    program = forms.ChoiceField(label=_("Program"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices])
    industry = forms.ChoiceField(label=_("Industry (KSIC)"), required=False)  # a division, chosen by its name
    closing_soon = forms.BooleanField(label=_("Closing within 7 days"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.data.get("industry"):
            # A finer code in the address (C29271) reads as its division (C29), shown chosen.
            self.data = self.data.copy()
            self.data["industry"] = self.data["industry"].strip().upper()[:3]
        self.fields["program"].choices = [("", _("All programs")), *((p.code, p.name) for p in Program.objects.order_by("name_ko"))]
        self.fields["industry"].choices = [("", _("All industries")), *codelists.division_choices()]


TAB_LABELS = {"open": _("Open now"), "upcoming": _("Opening soon"), "closed": _("Closed")}


@require_safe
@cache_for_anonymous
def call_list(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tab = request.GET.get("tab") if request.GET.get("tab") in CATALOGUE_TABS else "open"
    now = timezone.now()
    common = {"program": filters.get("program", ""), "region": filters.get("region", ""), "division": filters.get("industry", ""),
              "q": filters.get("q", "")}
    calls = list(catalogue_calls(now=now, tab=tab, closing_soon=filters.get("closing_soon", False), **common))
    counts = catalogue_counts(now=now, **common)
    query = request.GET.copy()
    query.pop("tab", None)
    tabs = [{"key": key, "label": TAB_LABELS[key], "count": counts[key], "current": key == tab} for key in CATALOGUE_TABS]
    active_filters = sum(1 for value in (*common.values(), filters.get("closing_soon")) if value)
    return render(request, "calls/list.html", {"form": form, "calls": calls, "now": now, "tab": tab, "tabs": tabs,
                                               "tab_label": TAB_LABELS[tab], "query": query.urlencode(),
                                               "active_filters": active_filters})


@require_safe
@cache_for_anonymous
def call_detail(request: HttpRequest, code: str) -> HttpResponse:
    call = call_for_public(request.user, code)
    now = timezone.now()
    context = {"call": call, "now": now, "days_left": call.days_left(now), "is_open": call.is_open(now),
               "has_opened": call.has_opened(now), "rules": rules_described(list(call.rules.all()))}
    if request.user.is_authenticated:
        companies = list(companies_for_user(request.user))
        chosen = next((c for c in companies if str(c.pk) == request.GET.get("company")), companies[0] if companies else None)
        existing = {a.company_id: a for a in Application.objects.filter(call=call, company__in=companies)}
        context.update(companies=companies, chosen=chosen, existing=existing.get(chosen.pk) if chosen else None)
        if chosen is not None:
            results = self_check(call=call, company=chosen, arrived=arrived_at(request))
            context.update(results=results, PASS=eligibility.PASS, FAIL=eligibility.FAIL,
                           any_hard_fail=any(r.excludes for r in results))
    return render(request, "calls/detail.html", context)


@require_safe
def attachment_download(request: HttpRequest, code: str, pk: int) -> FileResponse:
    call = call_for_public(request.user, code)
    attachment = get_object_or_404(call.attachments, pk=pk)
    # An officer's upload, checked as a PDF when it was added, served like every uploaded file.
    return as_safe_download(FileResponse(attachment.file.open("rb"), as_attachment=True, filename=f"{attachment.title}.pdf",
                                         content_type="application/pdf"))
