from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from portal.models import (
    AccessRecord,
    AuditEvent,
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    OutboundEmail,
    StaffTie,
    User,
)
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


class RecordAdmin(admin.ModelAdmin):
    """Records the portal writes and nobody changes: readable and searchable only."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(RecordAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "ip_address"]
    list_filter = ["action"]


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


ACCESS_CSV_HEADER = ["시각(KST)", "계정", "접속지", "수행업무", "화면", "정보 종류", "정보 번호", "주소"]


def access_rows(records):
    from django.utils import timezone

    for r in records:
        yield [timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"), r.actor_email, r.ip_address or "", r.action, r.page,
               r.target_type, r.target_id, r.path]


@admin.register(AccessRecord)
class AccessRecordAdmin(RecordAdmin):
    """접속기록: searched by account, record or address; exported for an auditor; never changed."""

    list_display = ["created_at", "actor_email", "ip_address", "action", "page", "target_type", "target_id", "path"]
    list_filter = ["action", "page", "target_type"]
    search_fields = ["actor_email", "target_id", "path", "ip_address"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    @admin.action(description="CSV로 내보내기 (Export as CSV)")
    def export_csv(self, request, queryset):
        import csv

        from django.http import StreamingHttpResponse

        from applications.services.exports import csv_safe

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def lines():
            yield "\ufeff" + writer.writerow(ACCESS_CSV_HEADER)
            for row in access_rows(queryset.order_by("created_at").iterator(chunk_size=2000)):
                yield writer.writerow([csv_safe(v) for v in row])

        audit_record(actor=request.user, action="access_records.exported", target=request.user, data={"count": queryset.count()})
        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="access-records.csv"'
        return response
