from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.sites.models import Site
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from portal.audit_actions import action_label, target_label
from portal.audit_details import details_html
from portal.csv_cells import csv_safe
from portal.models import (
    AccessRecord,
    AuditEvent,
    Company,
    CompanyInvitation,
    CompanyJoinRequest,
    CompanyMembership,
    DestructionRecord,
    OutboundEmail,
    StaffTie,
    User,
)
from portal.retention import label_of
from portal.services.audit import audit_record

# Django's Korean catalogue words these admin titles badly ("보기위한 1%s 를(을) 선택",
# "뷰 %s", "작업 (으)로"). The project's catalogue is read before Django's (LOCALE_PATHS),
# so its entries for the same words replace them on every admin page; they are listed here
# so that makemessages keeps them.
DJANGO_WORDING = [gettext_noop("Select %s to view"), gettext_noop("View %s"), gettext_noop(" By %(filter_title)s ")]


def _name_other_apps_models() -> None:
    """Other apps' models as the admin names them: Django's Korean calls the Sites model
    "사이트들", and allauth gives its authenticators and their fields no name a catalogue
    could translate. Only the names shown change (migrations read the options and fields
    as declared, so none is made for these)."""
    Site._meta.verbose_name = pgettext_lazy("Django's sites framework", "site")
    Site._meta.verbose_name_plural = pgettext_lazy("Django's sites framework", "sites")
    Authenticator._meta.verbose_name = _("second factor")
    Authenticator._meta.verbose_name_plural = _("second factors")
    for name, label in (("user", _("person")), ("type", _("kind")), ("data", _("details")), ("created_at", _("set up")),
                        ("last_used_at", _("last used"))):
        Authenticator._meta.get_field(name).verbose_name = label


_name_other_apps_models()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "is_superuser", "date_joined", "left_at"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "name", "pseudonym"]
    readonly_fields = ["left_at", "pseudonym"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name", "position", "phone"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "left_at", "pseudonym"]}),
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


class ActionFilter(admin.SimpleListFilter):
    """The recorded actions by name (portal/audit_actions.py), not by code."""

    title = _("action")
    parameter_name = "action_code"

    def lookups(self, request, model_admin):
        codes = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        return sorted(((code, action_label(code)) for code in codes), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(RecordAdmin):
    list_display = ["created_at", "actor", "action_name", "target", "ip_address"]
    list_filter = [ActionFilter]
    list_select_related = ["actor"]
    search_fields = ["target_id", "actor__email", "actor__name"]
    fields = ["created_at", "actor", "action_name", "action", "target", "ip_address", "details", "data", "seq", "prev_hash", "hash"]
    readonly_fields = ["action_name", "target", "details"]

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, event: AuditEvent) -> str:
        return action_label(event.action)

    @admin.display(description=_("concerns"))
    def target(self, event: AuditEvent) -> str:
        return target_label(event.target_type, event.target_id)

    @admin.display(description=_("details in words"))
    def details(self, event: AuditEvent) -> str:
        return details_html(event.data)


@admin.register(DestructionRecord)
class DestructionRecordAdmin(RecordAdmin):
    """파기 기록: what the retention job and people leaving destroyed; kept, never changed."""

    list_display = ["destroyed_at", "category_label", "method", "count", "period", "cutoff", "job"]
    list_filter = ["category", "method", "job"]
    date_hierarchy = "destroyed_at"

    @admin.display(description=_("what"), ordering="category")
    def category_label(self, record: DestructionRecord) -> str:

        return label_of(record.category)


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
