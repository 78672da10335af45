from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from portal.models.companies import Company
from portal.models.users import User


def _claim_document_path(instance: CompanyClaim, filename: str) -> str:
    # Never the uploader's name: a server-made name with the extension of the detected format.
    return f"claims/{instance.company_id}/{uuid.uuid4().hex}.{instance.detected_format}"


class CompanyClaim(FSMModelMixin, models.Model):
    """Whoever registers a business number first owns the company on the portal. Its real
    holder claims it with a document showing the representative's confirmation (사업자등록증명
    and a 대표자 확인서, say); an officer or administrator who is not tied to the company checks
    it and approves — the claimant becomes the owner and the previous owners lose the company —
    or declines with a reason. Each step is an audit event.

    A claimant who leaves the portal cancels their pending claims. The document, the file's
    name and the claimant's note are personal information kept only while the decision may be
    challenged: the retention job destroys them RETENTION_CLAIM_DOCUMENTS_YEARS after it
    (portal/services/retention.py), and at once for a cancelled claim. The row stays, as the
    record of who moved a company's ownership to whom and on what document (its sha256)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be checked")
        APPROVED = "approved", _("Approved: ownership moved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled: the claimant left the portal")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="company_claims")
    message = models.TextField(_("note for the checker"), max_length=1000, blank=True)
    file = models.FileField(upload_to=_claim_document_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    detected_format = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("reason"), max_length=1000, blank=True)
    # The ids of the accounts that owned the company when ownership moved (their addresses
    # live on their accounts, which leaving anonymises).
    previous_owners = models.JSONField(default=list, blank=True)
    # When the document, its name and the note were destroyed (portal/services/retention.py).
    evidence_destroyed_at = models.DateTimeField(_("document destroyed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership claim")
        verbose_name_plural = _("ownership claims")
        constraints = [
            models.UniqueConstraint(fields=["company", "claimant"], condition=models.Q(status="pending"), name="one_pending_claim_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.claimant} → {self.company}"

    # The transitions, run only by portal/services/claims.py, one claim at a time, each with the
    # one audit record its entry in CLAIM_TRANSITIONS names.
    @transition(field=status, source=Status.PENDING, target=Status.APPROVED, permission="portal.decide_company_claim")
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.PENDING, target=Status.DECLINED, permission="portal.decide_company_claim")
    def decline(self) -> None:
        pass

    @transition(field=status, source=Status.PENDING, target=Status.CANCELLED)
    def cancel(self) -> None:
        pass

    def previous_owner_accounts(self) -> list:
        """The previous owners' accounts, as they read now (a person who left by the pseudonym)."""

        accounts = User.objects.in_bulk(self.previous_owners)
        return [accounts[pk] for pk in self.previous_owners if pk in accounts]
