"""The Django admin's changelist over the applications — the framework's own page, set beside
the officer queue by `bench_http`. Registered only under benchmarks.settings (the
`benchmarks` app is installed nowhere else): the portal itself has no admin page for
applications, whose every change goes through the life-cycle services."""

from django.contrib import admin

from applications.models import Application


@admin.register(Application)
class ApplicationBenchAdmin(admin.ModelAdmin):
    # The queue's columns, filters, search and order, 50 rows a page.
    list_display = ("receipt_number", "company_name", "business_number", "region", "state", "submitted_at", "grant_requested", "rule_issues")
    list_filter = ("call", "state", "company__region")
    search_fields = ("company__name", "receipt_number", "company__business_number")
    list_select_related = ("company",)
    ordering = ("submitted_at", "pk")
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(state="draft")

    @admin.display(description="company", ordering="company__name")
    def company_name(self, application: Application) -> str:
        return application.company.name

    @admin.display(description="business number")
    def business_number(self, application: Application) -> str:
        return application.company.business_number_display

    @admin.display(description="region")
    def region(self, application: Application) -> str:
        return application.company.get_region_display()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
