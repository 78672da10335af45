"""The portal's own retention rules, and the run of every registered rule that the daily job
makes (portal/retention.py explains the rules)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Left, StrIndex
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import retention
from portal.models import AccessRecord, CompanyClaim, Consent, DestructionRecord, User
from portal.retention import Destroyed, RetentionRule, days_text, years_before, years_text
from portal.services.claims import claim_evidence_destroy

log = logging.getLogger(__name__)


def retention_run(*, job: str, run: str = "", now: datetime.datetime | None = None) -> list[DestructionRecord]:
    """Run every rule, each in its own transaction with its destruction records: a rule that
    fails leaves nothing half done and no record, and the others still run (the next day's run
    tries it again). Raises after the others ran if one failed, so the job shows as failed."""
    now = now or timezone.now()
    records: list[DestructionRecord] = []
    failed: list[str] = []
    for rule in retention.rules():
        if rule.destroy is None:
            continue
        try:
            with transaction.atomic():
                for destroyed in rule.destroy(now):
                    if destroyed.count:
                        records.append(DestructionRecord.objects.create(
                            destroyed_at=now, category=rule.category, method=rule.method, count=destroyed.count, job=job, run=run,
                            period=destroyed.period, cutoff=destroyed.cutoff, detail=destroyed.detail,
                        ))
        except Exception:
            log.exception("Retention rule %s failed; nothing of it was destroyed.", rule.category)
            failed.append(rule.category)
    if failed:
        raise RuntimeError(f"retention rules failed: {', '.join(failed)}")
    return records


def unreferenced(queryset: models.QuerySet[User]) -> models.QuerySet[User]:
    """The accounts no kept record points at (every relation that protects its account)."""
    for relation in User._meta.get_fields(include_hidden=True):  # related_name="+" relations are hidden ones
        if (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
                and relation.on_delete is models.PROTECT):
            queryset = queryset.exclude(Exists(relation.related_model._base_manager.filter(**{relation.field.name: OuterRef("pk")})))
    return queryset


def _delete_accounts(queryset: models.QuerySet[User]) -> int:
    deleted = 0
    for user in unreferenced(queryset).order_by("pk"):
        user.delete()
        deleted += 1
    return deleted


def destroy_unverified_signups(now: datetime.datetime) -> list[Destroyed]:
    """Sign-ups whose address was never confirmed: the person never became a member."""
    from allauth.account.models import EmailAddress

    days = settings.RETENTION_UNVERIFIED_SIGNUP_DAYS
    cutoff = now - datetime.timedelta(days=days)
    never_confirmed = (
        User.objects.filter(date_joined__lt=cutoff, last_login__isnull=True, left_at__isnull=True, is_staff=False, is_superuser=False)
        .filter(Exists(EmailAddress.objects.filter(user=OuterRef("pk"))))
        .exclude(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)))
    )
    return [Destroyed(count=_delete_accounts(never_confirmed), period=days_text(days), cutoff=cutoff)]


def destroy_consents_of_people_who_left(now: datetime.datetime) -> list[Destroyed]:
    years = settings.RETENTION_CONSENTS_YEARS
    cutoff = years_before(now, years)
    deleted, _per_model = Consent.objects.filter(user__left_at__lt=cutoff).delete()
    return [Destroyed(count=deleted, period=years_text(years), cutoff=cutoff)]


def destroy_former_accounts(now: datetime.datetime) -> list[Destroyed]:
    """The closed account itself (its pseudonym and dates), once its consents went and no kept
    record points at it any more."""
    years = settings.RETENTION_CONSENTS_YEARS
    cutoff = years_before(now, years)
    return [Destroyed(count=_delete_accounts(User.objects.filter(left_at__lt=cutoff)), period=years_text(years), cutoff=cutoff)]


def anonymise_access_records(now: datetime.datetime) -> list[Destroyed]:
    """The account's e-mail, the address it came from and the query string (a search may
    name a person) go; what was read, when, and by which account stay."""
    years = settings.RETENTION_ACCESS_RECORDS_YEARS
    cutoff = years_before(now, years)
    count = (
        AccessRecord.objects.filter(created_at__lt=cutoff)
        .filter(Q(ip_address__isnull=False) | ~Q(actor_email="") | Q(path__contains="?"))
        .update(actor_email="", ip_address=None,
                path=Case(When(path__contains="?", then=Left("path", StrIndex("path", Value("?")) - 1)), default=F("path")))
    )
    return [Destroyed(count=count, period=years_text(years), cutoff=cutoff)]


def destroy_claim_documents(now: datetime.datetime) -> list[Destroyed]:
    """The documents of decided ownership claims after their period, and of claims cancelled
    because the claimant left, at once (portal/services/claims.py)."""
    years = settings.RETENTION_CLAIM_DOCUMENTS_YEARS
    cutoff = years_before(now, years)
    held = CompanyClaim.objects.select_for_update().filter(evidence_destroyed_at__isnull=True).order_by("pk")
    decided = list(held.filter(status__in=[CompanyClaim.Status.APPROVED, CompanyClaim.Status.DECLINED], decided_at__lt=cutoff))
    cancelled = list(held.filter(status=CompanyClaim.Status.CANCELLED))
    return [
        Destroyed(count=claim_evidence_destroy(decided, now=now), period=years_text(years), cutoff=cutoff),
        Destroyed(count=claim_evidence_destroy(cancelled, now=now), period=str(_("until the person leaves")),
                  detail={"cancelled": True}),
    ]


retention.register(RetentionRule(
    category="left_account", method=DestructionRecord.Method.ANONYMISED,
    label=_("Name, e-mail address, phone, position, password and second factors of a person who leaves the portal"),
    period=lambda: str(_("Until you leave: they go at once")),
    basis=_("The purpose of the consent ends when you leave. The records below that the law keeps name you by a pseudonym."),
))
retention.register(RetentionRule(
    category="unverified_signups", method=DestructionRecord.Method.DELETED,
    label=_("Sign-ups whose e-mail address was never confirmed"),
    period=lambda: days_text(settings.RETENTION_UNVERIFIED_SIGNUP_DAYS),
    basis=_("The person never became a member; the period leaves time to find the code."),
    destroy=destroy_unverified_signups,
))
retention.register(RetentionRule(
    category="consents", method=DestructionRecord.Method.DELETED,
    label=_("Consent records of a person who left"),
    period=lambda: str(_("%(period)s after leaving") % {"period": years_text(settings.RETENTION_CONSENTS_YEARS)}),
    basis=_("Evidence that what was processed had your consent, for as long as a claim for damages may be made (민법 §766 ①)."),
    destroy=destroy_consents_of_people_who_left,
))
retention.register(RetentionRule(
    category="former_accounts", method=DestructionRecord.Method.DELETED,
    label=_("The closed account itself (pseudonym and dates), once no kept record refers to it"),
    period=lambda: str(_("%(period)s after leaving") % {"period": years_text(settings.RETENTION_CONSENTS_YEARS)}),
    basis=_("Kept only while a record the law requires still names the account."),
    destroy=destroy_former_accounts,
))
retention.register(RetentionRule(
    category="access_record_fields", method=DestructionRecord.Method.ANONYMISED,
    label=_("In the records of staff reading personal information: the account's e-mail address, the address it came from and "
            "the search words"),
    period=lambda: years_text(settings.RETENTION_ACCESS_RECORDS_YEARS),
    basis=_("The Standards for Measures to Ensure the Safety of Personal Information (§8) ask for at least one year, two for a "
            "system that holds 50,000 people's information or more."),
    destroy=anonymise_access_records,
))
retention.register(RetentionRule(
    category="claim_documents", method=DestructionRecord.Method.DELETED,
    label=_("The document, its file name and the note sent with a claim to a company's ownership"),
    period=lambda: str(_("%(period)s after the decision; when the claimant leaves before it, at once")
                       % {"period": years_text(settings.RETENTION_CLAIM_DOCUMENTS_YEARS)}),
    basis=_("Kept while the decision may be challenged (민법 §766 ①). The claim itself stays as the record of whose the company "
            "became and on which document (its digest)."),
    destroy=destroy_claim_documents,
))
