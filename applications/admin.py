from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.models import (
    Call,
    Clause,
    ClauseSet,
    ParticipationBan,
    PartnerList,
    PartnerListEntry,
    Program,
    ProgramOfficer,
    SizeLimit,
    SizeStandard,
)
from applications.models.eligibility import BAN_MAX_MONTHS
from applications.services.clauses import clause_set_revise
from portal import formatting
from portal.identifiers import digits_only
from portal.services.audit import audit_record


class OfficerInline(admin.TabularInline):
    model = ProgramOfficer
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "code", "family", "managing_agency"]
    # "-" finds the programs whose family is still to be chosen (their agreements are refused).
    list_filter = ["family"]
    inlines = [OfficerInline]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "program", "opens_at", "closes_at", "is_published"]
    list_filter = ["program", "is_published"]


class SizeLimitInline(admin.TabularInline):
    model = SizeLimit
    extra = 0


@admin.register(SizeStandard)
class SizeStandardAdmin(admin.ModelAdmin):
    """A revision of 시행령 별표1/별표3: add a new version with the date it takes effect (the
    old one keeps judging calls whose basis date is before it)."""

    list_display = ["scale", "version_date", "source"]
    list_filter = ["scale"]
    inlines = [SizeLimitInline]


class ParticipationBanForm(forms.ModelForm):
    """A ban is recorded with its legal ground, what it bars and its length; the last day is
    computed (행정기본법 §6 ②: the first day counts, and the ban ends on its last day even on
    a holiday), never typed. A ban recorded before lengths were kept may keep its typed end."""

    class Meta:
        model = ParticipationBan
        fields = ["business_number", "company_name", "legal_ground", "reason", "scope", "programs", "starts_on", "length", "unit"]
        widgets = {"programs": forms.CheckboxSelectMultiple, "scope": forms.RadioSelect}

    # Typed as people write it (124-81-00998, full-width digits too); stored as ten digits.
    business_number = forms.CharField(label=_("business registration number"), max_length=20, help_text=_("10 digits, e.g. 124-81-00998."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_ground"].required = True
        keeps_typed_end = self.instance.pk is not None and self.instance.length is None
        if not keeps_typed_end:
            self.fields["length"].required = True
            self.fields["unit"].required = True

    def clean_business_number(self) -> str:
        return digits_only(self.cleaned_data["business_number"])

    def clean(self):
        data = super().clean()
        if data.get("scope") == ParticipationBan.Scope.PROGRAMS and not data.get("programs"):
            self.add_error("programs", _("Choose the programs the ban covers, or bar every program."))
        if data.get("scope") == ParticipationBan.Scope.ALL:
            data["programs"] = []
        length, unit = data.get("length"), data.get("unit")
        if (length is None) != (not unit):
            self.add_error("length" if length is None else "unit", _("Give the length with its unit (months or years)."))
        elif length is not None and length * (12 if unit == ParticipationBan.Unit.YEARS else 1) > BAN_MAX_MONTHS:
            self.add_error("length", _("A participation ban lasts five years at most (보조금 관리에 관한 법률 제31조의2)."))
        elif data.get("starts_on") and length is not None:
            self.instance.ends_on = ParticipationBan(starts_on=data["starts_on"], length=length, unit=unit).computed_last_day()
        return data


@admin.register(ParticipationBan)
class ParticipationBanAdmin(admin.ModelAdmin):
    form = ParticipationBanForm
    list_display = ["company_name", "business_number", "legal_ground", "scope", "starts_on", "ends_on", "reason"]
    list_filter = ["scope"]
    search_fields = ["company_name", "business_number"]
    readonly_fields = ["last_day", "recorded_by", "created_at"]
    fields = ["business_number", "company_name", "legal_ground", "reason", "scope", "programs", "starts_on", "length", "unit",
              "last_day", "recorded_by", "created_at"]

    @admin.display(description=_("last day of the ban"))
    def last_day(self, obj: ParticipationBan | None) -> str:
        if obj is None or obj.pk is None:
            return _("Computed from the start and the length when saved: the first day counts, and the ban ends on its last day "
                     "even on a holiday (행정기본법 제6조 제2항).")
        if obj.length is None:
            return _("%(day)s (typed when the ban was recorded)") % {"day": formatting.day(obj.ends_on)}
        return _("%(day)s (the first day counted; 행정기본법 제6조 제2항)") % {"day": formatting.day(obj.last_day)}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        ban = form.instance
        audit_record(actor=request.user, action="ban.changed" if change else "ban.recorded", target=ban, data={
            "business_number": ban.business_number, "legal_ground": ban.legal_ground, "scope": ban.scope,
            "programs": sorted(ban.programs.values_list("pk", flat=True)), "starts_on": ban.starts_on.isoformat(),
            "length": ban.length, "unit": ban.unit, "ends_on": ban.ends_on.isoformat()})
        messages.info(request, _("The ban on %(company)s runs from %(start)s to %(end)s.") % {
            "company": ban.company_name, "start": formatting.day(ban.starts_on), "end": formatting.day(ban.last_day)})

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="ban.removed", target=obj, data={
            "business_number": obj.business_number, "starts_on": obj.starts_on.isoformat(), "ends_on": obj.ends_on.isoformat()})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class PartnerListEntryInline(admin.TabularInline):
    model = PartnerListEntry
    extra = 0


@admin.register(PartnerList)
class PartnerListAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_name"]
    inlines = [PartnerListEntryInline]


class ClauseInline(admin.StackedInline):
    model = Clause
    extra = 0
    fields = ["order", "kind", "heading", "body"]

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not (obj is not None and obj.in_use)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.in_use)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.in_use)


@admin.register(ClauseSet)
class ClauseSetAdmin(admin.ModelAdmin):
    """A program family's standard agreement clauses, one row per version. A version some
    agreement was drafted with is shown read-only: its text is part of that agreement. To
    revise, make a new version from it (the action) and edit that before it takes effect."""

    list_display = ["title", "family", "version", "effective_on", "agreements"]
    list_filter = ["family"]
    readonly_fields = ["version", "created_at"]
    inlines = [ClauseInline]
    actions = ["revise"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agreement_count=Count("agreement_versions"))

    @admin.display(description=_("agreement versions drafted with it"), ordering="agreement_count")
    def agreements(self, obj: ClauseSet) -> int:
        return obj.agreement_count

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.in_use)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.in_use)

    @admin.action(description=_("Make a new version from the selected clauses"))
    def revise(self, request, queryset):

        if queryset.count() != 1:
            self.message_user(request, gettext("Choose exactly one version to revise."), level="error")
            return None
        try:
            revision = clause_set_revise(user=request.user, clause_set_id=queryset.get().pk)
        except ValidationError as exc:
            self.message_user(request, exc.messages[0], level="error")
            return None
        self.message_user(request, gettext("Version %(n)d was made; edit it before it takes effect. Agreements already prepared keep "
                                           "the version they were drafted with.") % {"n": revision.version})
        return redirect(reverse("admin:applications_clauseset_change", args=[revision.pk]))
