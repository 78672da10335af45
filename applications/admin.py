from django.contrib import admin

from applications.models import (
    Call,
    ParticipationBan,
    PartnerList,
    PartnerListEntry,
    Program,
    ProgramOfficer,
    SizeLimit,
    SizeStandard,
)


class OfficerInline(admin.TabularInline):
    model = ProgramOfficer
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name_ko", "code", "managing_agency"]
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


@admin.register(ParticipationBan)
class ParticipationBanAdmin(admin.ModelAdmin):
    list_display = ["company_name", "business_number", "starts_on", "ends_on", "reason"]
    search_fields = ["company_name", "business_number"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class PartnerListEntryInline(admin.TabularInline):
    model = PartnerListEntry
    extra = 0


@admin.register(PartnerList)
class PartnerListAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_name"]
    inlines = [PartnerListEntryInline]
