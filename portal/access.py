"""Which pages read personal or company data, and the record each read leaves (접속기록)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.audit_actions import record_kind
from portal.http import client_ip
from portal.models import AccessRecord
from portal.roles import roles_of

# url name → (what was done, the record type its `pk` names). Pages that list many
# companies (the queue, a panel, a selection) are recorded with the call or panel they show.
RECORDED_PAGES = {
    "officer_application": ("view", "applications.application"),
    "officer_queue": ("list", ""),
    "officer_export_download": ("export", "applications.export"),
    "officer_panel": ("list", "reviews.panel"),
    "officer_ranking": ("list", "applications.call"),
    "officer_selection": ("list", "applications.selectionround"),
    "document_download": ("download", "applications.application"),
    "application_detail": ("view", "applications.application"),
    "application_receipt": ("download", "applications.application"),
    "application_copy": ("view", "applications.application"),
    "application_copy_pdf": ("download", "applications.application"),
    "agreement_detail": ("view", "applications.agreement"),
    "agreement_version_pdf": ("download", "applications.agreement"),
    "agreement_final_pdf": ("download", "applications.agreement"),
    "reviewer_assignment": ("view", "reviews.assignment"),
    "reviewer_score": ("view", "reviews.assignment"),
    "reviewer_document": ("download", "reviews.assignment"),
    "company_detail": ("view", "portal.company"),
    "staff_claims": ("list", ""),
    "staff_claim": ("view", "portal.companyclaim"),
    "staff_claim_document": ("download", "portal.companyclaim"),
}
# Each recorded page in words, for the person's own copy of their data (portal/services/own_data.py).
PAGE_LABELS = {
    "officer_application": _("An application, on the officer's page"),
    "officer_queue": _("The screening queue"),
    "officer_export_download": _("A call's export"),
    "officer_panel": _("A review panel"),
    "officer_ranking": _("A call's ranking"),
    "officer_selection": _("A selection proposal"),
    "document_download": _("A document of an application"),
    "application_detail": _("An application, on the company's page"),
    "application_receipt": _("An application's receipt"),
    "application_copy": _("An application's copy"),
    "application_copy_pdf": _("An application's copy (PDF)"),
    "agreement_detail": _("An agreement"),
    "agreement_version_pdf": _("A version of an agreement (PDF)"),
    "agreement_final_pdf": _("An executed agreement (PDF)"),
    "reviewer_assignment": _("An application, on the reviewer's page"),
    "reviewer_score": _("A review's scores"),
    "reviewer_document": _("A document, on the reviewer's page"),
    "company_detail": _("A company"),
    "staff_claims": _("Claims to companies' ownership"),
    "staff_claim": _("A claim to a company's ownership"),
    "staff_claim_document": _("A claim's document"),
}


def page_label(page: str) -> str:
    """A recorded page in words: its label, or for the admin's pages "관리 화면" and the kind of record."""
    if page in PAGE_LABELS:
        return str(PAGE_LABELS[page])
    if page.startswith("admin:"):
        model = next((m for m in ADMIN_MODELS if page.removeprefix("admin:").startswith(m + "_")), "")
        app, _sep, name = model.partition("_")
        return gettext("Administration: %(kind)s") % {"kind": record_kind(f"{app}.{name}")} if model else gettext("Administration")
    return page


# The admin's pages of these models hold personal or company data: people's names, e-mail
# addresses and second factors, who acted from which address, companies and their numbers.
ADMIN_MODELS = {"portal_user", "portal_company", "portal_companymembership", "applications_application",
                "applications_applicationdocument", "applications_agreement", "portal_outboundemail", "portal_accessrecord",
                "portal_companyinvitation", "portal_companyjoinrequest", "portal_auditevent", "account_emailaddress",
                "mfa_authenticator", "portal_stafftie", "reviews_reviewerprofile", "applications_partnerlist",
                "applications_participationban", "portal_destructionrecord"}
# … and these hold none (a test keeps every model in the admin in one of the two sets).
ADMIN_MODELS_WITHOUT_PERSONAL_DATA = {"applications_program", "applications_call", "applications_sizestandard", "auth_group",
                                      "sites_site", "applications_clauseset"}


def recorded_read(request, response) -> tuple[str, str, str, str] | None:
    """(action, page, target type, target id) when this response showed personal or company
    data to someone acting for the agency; None otherwise."""

    match = getattr(request, "resolver_match", None)
    # A refusal or a redirect (a PDF not ready yet, a draft without a receipt) showed nothing.
    if match is None or request.method not in ("GET", "HEAD") or response.status_code >= 300:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not roles_of(user).is_staff_role:
        return None
    if match.url_name in RECORDED_PAGES:
        action, target_type = RECORDED_PAGES[match.url_name]
        target_id = str(match.kwargs.get("pk", "")) if target_type else ""
        return action, match.url_name, target_type, target_id
    name = match.url_name or ""
    if match.namespace == "admin" and any(name.startswith(model + "_") for model in ADMIN_MODELS):
        model = next(m for m in ADMIN_MODELS if name.startswith(m + "_"))
        app, _sep, model_name = model.partition("_")
        action = "list" if name.endswith("_changelist") else "view"
        return action, f"admin:{name}", f"{app}.{model_name}", str(match.kwargs.get("object_id", ""))
    return None


def record_access(request, response) -> None:

    read = recorded_read(request, response)
    if read is None:
        return
    action, page, target_type, target_id = read
    AccessRecord.objects.create(
        created_at=timezone.now(), actor=request.user, actor_email=request.user.email, ip_address=client_ip(request),
        action=action, page=page, target_type=target_type, target_id=target_id[:40], path=request.get_full_path()[:300],
    )
