"""The audit log in words: what each recorded action (`AuditEvent.action`) was, and which
record it concerned, as the admin's audit log shows them. An action with no entry here is
shown by its code (rows written before it was named), so nothing is ever hidden."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Every action the site audit log records (`AuditEvent.action`), like the application
    timeline's `EventType`: `audit_record` refuses an action not named here before anything is
    written, and the admin shows each by its label."""

    ACCESS_RECORDS_EXPORTED = "access_records.exported", _("Access records exported")
    ACCOUNT_LEFT = "account.left", _("Left the portal (account closed)")
    ASSIGNMENT_AUTO = "assignment.auto", _("Reviewers assigned automatically")
    BAN_CHANGED = "ban.changed", _("Participation ban corrected")
    BAN_RECORDED = "ban.recorded", _("Participation ban recorded")
    BAN_REMOVED = "ban.removed", _("Participation ban removed")
    CALL_ATTACHMENT_ADDED = "call.attachment_added", _("Notice file added")
    CALL_CLAUSE_ADDED = "call.clause_added", _("Agreement clause added")
    CALL_CLAUSE_DELETED = "call.clause_deleted", _("Agreement clause deleted")
    CALL_CREATED = "call.created", _("Call created")
    CALL_DOCUMENT_ADDED = "call.document_added", _("Required document added")
    CALL_DOCUMENT_DELETED = "call.document_deleted", _("Required document deleted")
    CALL_FORM_FIELD_ADDED = "call.form_field_added", _("Form question added")
    CALL_FORM_FIELD_DELETED = "call.form_field_deleted", _("Form question deleted")
    CALL_FORM_SECTION_ADDED = "call.form_section_added", _("Form section added")
    CALL_LEVEL_ADDED = "call.level_added", _("Support level added")
    CALL_LEVEL_DELETED = "call.level_deleted", _("Support level deleted")
    CALL_RULE_ADDED = "call.rule_added", _("Eligibility rule added")
    CALL_RULE_DELETED = "call.rule_deleted", _("Eligibility rule deleted")
    CALL_UPDATED = "call.updated", _("Call changed")
    CHAIN_ANCHORED = "chain.anchored", _("Record chains anchored outside the database")
    CHAIN_STARTED = "chain.started", _("Chain of anchor files started outside the database")
    CLAUSES_REVISED = "clauses.revised", _("Agreement clause set revised")
    COMPANY_CLAIM_APPROVED = "company.claim_approved", _("Claim to a company's ownership approved")
    COMPANY_CLAIM_CANCELLED = "company.claim_cancelled", _("Claim to a company's ownership cancelled: the claimant left")
    COMPANY_CLAIM_DECLINED = "company.claim_declined", _("Claim to a company's ownership declined")
    COMPANY_CLAIM_REQUESTED = "company.claim_requested", _("Ownership of a company claimed")
    COMPANY_INVITATION_ACCEPTED = "company.invitation_accepted", _("Invitation to a company accepted")
    COMPANY_INVITED = "company.invited", _("Colleague invited to a company")
    COMPANY_JOIN_APPROVED = "company.join_approved", _("Request to join a company approved")
    COMPANY_JOIN_DECLINED = "company.join_declined", _("Request to join a company declined")
    COMPANY_JOIN_REQUESTED = "company.join_requested", _("Asked to join a company")
    COMPANY_OWNER_APPOINTED = "company.owner_appointed", _("Member made an owner of a company")
    COMPANY_REGISTERED = "company.registered", _("Company registered")
    COMPANY_UPDATED = "company.updated", _("Company profile changed")
    DUTY_REFUSED = "duty.refused", _("Work refused for a tie or an administrator's account")
    PANEL_CREATED = "panel.created", _("Review panel formed")
    PANEL_EXTENDED = "panel.extended", _("Review due time extended")
    PANEL_REVIEWER_INVITED = "panel.reviewer_invited", _("Reviewer invited to a panel")
    PERSONAL_DATA_COPIED = "personal_data.copied", _("Own copy of personal data downloaded")
    REVIEWER_TIE_RECORDED = "reviewer.tie_recorded", _("Reviewer's tie recorded")
    RUBRIC_CRITERION_ADDED = "rubric.criterion_added", _("Rubric criterion added")
    RUBRIC_CRITERION_CHANGED = "rubric.criterion_changed", _("Rubric criterion changed")
    RUBRIC_UPDATED = "rubric.updated", _("Rubric changed")
    SELECTION_APPLY_REFUSED = "selection.apply_refused", _("Selection decision could not be applied")
    SELECTION_FINALIZED = "selection.finalized", _("Selection finalized")
    SELECTION_RUN = "selection.run", _("Ranking and selection run")
    TIE_CHANGED = "tie.changed", _("Declared tie corrected")
    TIE_RECORDED = "tie.recorded", _("Tie declared")
    TIE_REMOVED = "tie.removed", _("Declared tie removed")


ACTION_LABELS = dict(AuditAction.choices)


def action_label(code: str) -> str:
    """'공고 생성' for call.created; the code itself for an action not listed."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


# Models that moved between apps: records written before name them by their old label.
MOVED_MODELS = {f"reviews.{name}": f"applications.{name}" for name in ("selectionround", "selectionitem", "placeoffer", "appeal")}


def record_kind(target_type: str) -> str:
    """'공고' for applications.call: a record's kind by its model's name (the label itself for a
    model that no longer exists)."""
    try:
        return str(apps.get_model(MOVED_MODELS.get(target_type, target_type))._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def target_label(target_type: str, target_id: str) -> str:
    """'공고 #7' for applications.call and 7: the record's kind by its model's name."""
    return gettext("%(kind)s #%(id)s") % {"kind": record_kind(target_type), "id": target_id}
