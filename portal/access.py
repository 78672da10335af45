"""Which pages read personal or company data, and the record each read leaves (접속기록)."""

from __future__ import annotations

from django.utils import timezone

# url name → (what was done, the record type its `pk` names). Pages that list many
# companies (the queue, a panel, a selection) are recorded with the call or panel they show.
RECORDED_PAGES = {
    "officer_application": ("view", "applications.application"),
    "officer_queue": ("list", ""),
    "officer_export_download": ("export", "applications.export"),
    "officer_panel": ("list", "reviews.panel"),
    "officer_ranking": ("list", "applications.call"),
    "officer_selection": ("list", "reviews.selectionround"),
    "document_download": ("download", "applications.application"),
    "application_detail": ("view", "applications.application"),
    "application_receipt": ("download", "applications.application"),
    "agreement_detail": ("view", "applications.agreement"),
    "agreement_version_pdf": ("download", "applications.agreement"),
    "agreement_final_pdf": ("download", "applications.agreement"),
    "reviewer_assignment": ("view", "reviews.assignment"),
    "reviewer_score": ("view", "reviews.assignment"),
    "reviewer_document": ("download", "reviews.assignment"),
    "company_detail": ("view", "portal.company"),
}
# The admin's pages of these models hold personal or company data.
ADMIN_MODELS = {"portal_user", "portal_company", "portal_companymembership", "applications_application",
                "applications_applicationdocument", "applications_agreement", "portal_outboundemail", "portal_accessrecord"}


def recorded_read(request, response) -> tuple[str, str, str, str] | None:
    """(action, page, target type, target id) when this response showed personal or company
    data to someone acting for the agency; None otherwise."""
    from portal.roles import roles_of

    match = getattr(request, "resolver_match", None)
    if match is None or request.method not in ("GET", "HEAD") or response.status_code >= 400:
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
    from portal.http import client_ip
    from portal.models import AccessRecord

    read = recorded_read(request, response)
    if read is None:
        return
    action, page, target_type, target_id = read
    AccessRecord.objects.create(
        created_at=timezone.now(), actor=request.user, actor_email=request.user.email, ip_address=client_ip(request),
        action=action, page=page, target_type=target_type, target_id=target_id[:40], path=request.get_full_path()[:300],
    )
