from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.models import AuditEvent, Company, CompanyInvitation, CompanyJoinRequest, CompanyMembership, OutboundEmail, StaffTie, User
from portal.services.audit import audit_record


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "is_superuser", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "phone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = CompanyMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "business_number", "region", "ksic_code"]
    search_fields = ["name", "business_number"]
    inlines = [MembershipInline]


admin.site.register(CompanyInvitation)
admin.site.register(CompanyJoinRequest)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "ip_address"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "sent_at", "attempts"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]


@admin.register(StaffTie)
class StaffTieAdmin(admin.ModelAdmin):
    """Ties are declared on the staff desk; an administrator may correct one (a wrong number),
    and every change or removal is recorded."""

    list_display = ["person", "business_number", "kind", "recorded_by", "created_at"]
    search_fields = ["person__email", "business_number"]
    list_filter = ["kind"]
    autocomplete_fields = ["person"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="tie.changed" if change else "tie.recorded", target=obj.person,
                     data={"business_number": obj.business_number, "kind": obj.kind})

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="tie.removed", target=obj.person, data={"business_number": obj.business_number, "kind": obj.kind})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
