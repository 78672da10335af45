from django.contrib import admin

from applications.models import Call, Program, ProgramOfficer


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
