"""Claims to a company's ownership (CompanyClaim): whoever registers a business number first
owns it on the portal, and its real holder asks an officer or administrator to move it.

Lock order: the claimant's account row, then the claim, then the company (the company's
memberships change under it). Filing a claim, deciding it and the claimant leaving the portal
(portal/services/leaving.py, which cancels the claimant's pending claims) all take the
claimant's row first, so each sees what the one before it did: two claims sent at once by
one person file one, and a claim is never approved for an account closed meanwhile.

A claim's status is a state machine (`CompanyClaim.status`, protected): it moves only here,
one claim at a time, by its transitions, in the order the life cycle's runner uses
(applications/lifecycle/runner.py, which the portal sits below): the rows locked, the
transition allowed from the status (`can_proceed`), the person's permission, the tie, the
business guard, the transition, save, the one audit record `CLAIM_TRANSITIONS` names, the
e-mails. docs/application-states.md draws it from the same table."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from portal.audit_actions import AuditAction
from portal.duties import tie_with
from portal.models import Company, CompanyClaim, CompanyInvitation, CompanyJoinRequest, CompanyMembership, User
from portal.services.audit import audit_record
from portal.services.outbox import email_enqueue_rendered
from portal.storage import STORAGE_FAILURES, store_away
from portal.uploads import inspect_upload

log = logging.getLogger(__name__)

CLAIM_FORMATS = ["pdf", "image"]
CLAIM_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ClaimTransition:
    """What one transition of a claim is: `audit`, the one audit record it writes; `by`, who
    runs it ("agency": an officer or administrator not tied to the company, "system": the
    claimant's leaving); `confirm`: the person confirms on a confirmation page first."""

    audit: AuditAction
    by: str
    confirm: bool = False


CLAIM_TRANSITIONS = {
    "approve": ClaimTransition(AuditAction.COMPANY_CLAIM_APPROVED, "agency", confirm=True),
    "decline": ClaimTransition(AuditAction.COMPANY_CLAIM_DECLINED, "agency"),
    "cancel": ClaimTransition(AuditAction.COMPANY_CLAIM_CANCELLED, "system"),
}


def _transition(claim: CompanyClaim, name: str, user: User | None):
    """The claim's transition `name`, checked (nothing changed yet): allowed from its status,
    and by the person's permission (none for the system: `user=None`). The caller holds the
    claim's row lock."""
    method = getattr(claim, name)
    if not can_proceed(method):
        raise ValidationError(_("This claim was already decided."), code="decided")
    if user is not None and not has_transition_perm(method, user):
        raise PermissionDenied(_("Only program officers and administrators check ownership claims."))
    return method


def _finish(claim: CompanyClaim, name: str, *, user: User | None, fields: list[str], data: dict, ip: str | None = None) -> None:
    """Save the moved claim and write its one audit record, in the caller's transaction."""
    claim.save(update_fields=["status", *fields])
    audit_record(actor=user, action=CLAIM_TRANSITIONS[name].audit, target=claim.company, ip=ip, data={"claim": claim.pk} | data)


def _already_pending() -> ValidationError:
    return ValidationError(_("Your earlier claim to this company is still being checked."), code="pending")


def claim_create(*, user: User, business_number: str, upload: UploadedFile, message: str = "", ip: str | None = None) -> CompanyClaim:
    """File a claim to the company registered under `business_number`, with the document the
    checker reads. The number is the one the person typed: nothing here reveals a company
    they did not name. Refused (ValidationError, nothing written) when the store cannot take
    the document or a claim of theirs to the company is already waiting; a stored document
    whose row could not be written is removed again."""
    company = Company.objects.filter(business_number=business_number).first()
    if company is None:
        raise ValidationError(_("No company is registered under this number: register it yourself instead."), code="unknown")
    inspected = inspect_upload(upload, formats=CLAIM_FORMATS, max_bytes=CLAIM_MAX_BYTES)
    with transaction.atomic():
        # The person's row: a second claim sent at the same moment waits here, then finds this one.
        claimant = User.objects.select_for_update().get(pk=user.pk)
        if claimant.left_at is not None:
            raise ValidationError(_("This account has already been closed."), code="left")
        if CompanyMembership.objects.filter(company=company, user=claimant, role=CompanyMembership.Role.OWNER).exists():
            raise ValidationError(_("You already own this company on the portal."), code="owner")
        if CompanyClaim.objects.filter(company=company, claimant=claimant, status=CompanyClaim.Status.PENDING).exists():
            raise _already_pending()
        claim = CompanyClaim(company=company, claimant=claimant, message=message.strip(), original_name=inspected.safe_name,
                             detected_format=inspected.format, size=inspected.size, sha256=inspected.sha256)
        upload.seek(0)
        try:
            claim.file.save("claim", upload, save=False)
        except STORAGE_FAILURES as exc:
            log.error("Could not store the document of a claim to company %s: %s", company.pk, exc)
            raise store_away() from exc
        stored = claim.file.name
        try:
            claim.save()
            audit_record(actor=claimant, action="company.claim_requested", target=company, ip=ip,
                         data={"claim": claim.pk, "sha256": claim.sha256})
            email_enqueue_rendered(template_prefix="companies/email/claim_received", context={"company": company, "claim": claim},
                                   to=[claimant.email])
        except IntegrityError as exc:
            # The one-pending-claim constraint, where the database has no row locks (SQLite).
            _discard(claim.file.storage, stored)
            raise _already_pending() from exc
        except BaseException:
            _discard(claim.file.storage, stored)
            raise
    return claim


def _discard(storage, name: str) -> None:
    """Remove a file no row will point at; a store that is away now leaves it to the log."""
    try:
        storage.delete(name)
    except STORAGE_FAILURES as exc:
        log.error("Could not remove the stored file %s of a claim that was not filed: %s", name, exc)


def _check_decider(user: User, claim: CompanyClaim, *, ip: str | None) -> None:
    """An officer or administrator who is neither the claimant nor tied to the company
    (a member of it, or a declared tie); a refusal is recorded."""

    if not user.has_perm("portal.decide_company_claim"):
        raise PermissionDenied(_("Only program officers and administrators check ownership claims."))
    tie = _("the claimant") if user.pk == claim.claimant_id else tie_with(user, claim.company)
    if tie:
        audit_record(actor=user, action="duty.refused", target=claim.company, ip=ip,
                     data={"action": "claim", "tie": str(tie), "claim": claim.pk})
        raise PermissionDenied(_("You are tied to this claim (%(tie)s): another officer or administrator must check it; "
                                 "this attempt was recorded.") % {"tie": tie})


def approval_refusal(claim: CompanyClaim) -> str:
    """Why ownership cannot move to the claimant now (empty when it can)."""
    if claim.status != CompanyClaim.Status.PENDING:
        return _("This claim was already decided.")
    if claim.claimant.left_at is not None:
        return _("The claimant has left the portal (the account is closed), so the ownership cannot move to them. Nothing was changed.")
    return ""


def claim_decide(*, user: User, claim_id: int, approve: bool, note: str = "", ip: str | None = None) -> CompanyClaim:
    """Approve (the claimant becomes the company's owner, with the authority to sign; every
    previous owner leaves the company) or decline with a reason the claimant reads. Never
    approved for a claimant who has left the portal."""
    note = note.strip()
    claim = CompanyClaim.objects.select_related("company").filter(pk=claim_id).first()
    if claim is None:
        raise ValidationError(_("This claim does not exist."), code="unknown")
    _check_decider(user, claim, ip=ip)  # before the transaction: the refusal's record stays
    if not approve and not note:
        raise ValidationError(_("Write the reason for declining: the claimant reads it."), code="reason")
    name = "approve" if approve else "decline"
    with transaction.atomic():
        claimant = User.objects.select_for_update().get(pk=claim.claimant_id)
        claim = CompanyClaim.objects.select_for_update().select_related("company").get(pk=claim_id)
        claim.claimant = claimant
        move = _transition(claim, name, user)
        if approve and (refusal := approval_refusal(claim)):
            raise ValidationError(refusal, code="claimant_left")
        company = Company.objects.select_for_update().get(pk=claim.company_id)
        _check_decider(user, claim, ip=ip)  # again under the lock: a tie recorded meanwhile counts
        previous: list[User] = []
        if approve:
            owners = list(company.memberships.filter(role=CompanyMembership.Role.OWNER).exclude(user=claimant)
                          .select_related("user").order_by("pk"))
            previous = [membership.user for membership in owners]
            claim.previous_owners = [person.pk for person in previous]
            CompanyMembership.objects.filter(pk__in=[m.pk for m in owners]).delete()
            # Whoever the previous owners let in keeps no authority the real holder did not
            # give: nobody else signs for the company until the new owner says so, and their
            # open invitations and requests to join go.
            company.memberships.exclude(user=claimant).update(can_sign=False)
            CompanyInvitation.objects.filter(company=company, accepted_at__isnull=True).delete()
            CompanyJoinRequest.objects.filter(company=company, status=CompanyJoinRequest.Status.PENDING).delete()
            CompanyMembership.objects.update_or_create(company=company, user=claimant,
                                                       defaults={"role": CompanyMembership.Role.OWNER, "can_sign": True})
        move()
        claim.decided_by, claim.decided_at, claim.decision_note = user, timezone.now(), note
        # People by their accounts' ids: the log outlives their addresses (portal/services/audit.py).
        _finish(claim, name, user=user, ip=ip, fields=["decided_by", "decided_at", "decision_note", "previous_owners"],
                data={"claimant": claimant.pk, "previous_owners": claim.previous_owners, "note": note})
        context = {"company": company, "claim": claim, "company_url": settings.SITE_URL + reverse("company_detail", args=[company.pk])}
        if claimant.left_at is None:  # a claimant who left is told nothing: the account has no address any more
            email_enqueue_rendered(template_prefix="companies/email/claim_decision", context=context, to=[claimant.email])
        if previous:
            email_enqueue_rendered(template_prefix="companies/email/claim_moved", context=context,
                                   to=[person.email for person in previous])
    return claim


def claims_cancel_for_leaving(*, user: User, now: datetime.datetime) -> int:
    """The pending claims of a person leaving the portal are cancelled (nobody may approve
    them any more); their documents go with the retention job's next run. Runs inside the
    leaving transaction, which holds the person's row."""
    claims = list(CompanyClaim.objects.select_for_update().filter(claimant=user, status=CompanyClaim.Status.PENDING)
                  .select_related("company").order_by("pk"))
    for claim in claims:
        _transition(claim, "cancel", None)()
        claim.decided_at, claim.message = now, ""
        _finish(claim, "cancel", user=None, fields=["decided_at", "message"], data={})
    return len(claims)


def claim_evidence_destroy(claims: list[CompanyClaim], *, now: datetime.datetime) -> int:
    """The document, its file name and the claimant's note of each claim go; the row stays
    (who claimed which company, the decision, the document's sha256). Inside the caller's
    transaction, which holds the claims' rows. The files are deleted before the commit, not
    on it: a store that is away makes the whole run fail and try again the next night,
    rather than leave a file behind a record that says it was destroyed (deleting a file
    already gone is no error, so the retry finishes the job)."""
    for claim in claims:
        name, storage = claim.file.name, claim.file.storage
        CompanyClaim.objects.filter(pk=claim.pk).update(file="", original_name="", message="", evidence_destroyed_at=now)
        if name:
            storage.delete(name)
    return len(claims)
