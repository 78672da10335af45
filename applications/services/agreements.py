"""The agreement's documents: its terms and versions, the rendered PDFs (Celery), issue,
signatures, the final signed PDF, and verification by anyone. The application's own
transitions (preparing, executing) are in applications/services/lifecycle.py."""

from __future__ import annotations

import datetime
import hashlib
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from applications import agreement_text as text
from applications.budget import compute_budget, rules_of
from applications.models import Agreement, AgreementState, AgreementVersion, Application, EventType, Signature
from applications.pdf import render_pdf
from applications.services.events import event_record
from applications.services.notify import notify_members
from applications.services.submission import budget_of
from portal.duties import ConflictOfInterest, refuse_if_tied
from portal.formatting import plain_number, won
from portal.korean import won_in_words
from portal.models import Company
from portal.queue import enqueue

log = logging.getLogger(__name__)


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _clauses(application: Application, values: dict) -> list[dict]:
    templates = list(application.call.clause_templates.all())
    pairs = [(t.title, t.body) for t in templates] or [(title, body) for _kind, title, body in text.DEFAULT_CLAUSES]
    return [{"title": title, "text": text.fill(body, values)} for title, body in pairs]


def check_terms(application: Application, terms: dict) -> None:
    """The officer may edit the terms within the call's rules: the same budget rules (cap,
    government share, minimum cash share) that judged the application."""
    start, end = datetime.date.fromisoformat(terms["start"]), datetime.date.fromisoformat(terms["end"])
    if end <= start:
        raise ValidationError(_("The agreement must end after it starts."), code="period")
    total, grant, cash, in_kind = terms["total"], terms["grant"], terms["cash"], terms["in_kind"]
    partner = terms.get("partner", 0)
    if min(total, grant, cash, in_kind, partner) < 0:
        raise ValidationError(_("Amounts cannot be negative."), code="negative")
    if partner and grant + partner + cash + in_kind != total:
        raise ValidationError(_("The grant, the partner company's share and the company's cash and in-kind shares must add up to the total cost (%(diff)s apart).")
                              % {"diff": won(abs(total - grant - partner - cash - in_kind))}, code="sum")
    if grant + partner + cash + in_kind != total:
        raise ValidationError(_("The grant and the company's cash and in-kind shares must add up to the total cost (%(diff)s apart).")
                              % {"diff": won(abs(total - grant - cash - in_kind))}, code="sum")
    budget = compute_budget(rules=rules_of(application), line_amounts=[(grant + partner + cash, False), (in_kind, True)], grant=grant,
                            partner=partner)
    if budget.errors:
        raise ValidationError(budget.errors, code="budget")
    percents = [int(i["percent"]) for i in terms["instalments"]]
    if not percents or sum(percents) != 100 or min(percents) <= 0:
        raise ValidationError(_("The instalments' percentages must be positive and add up to 100."), code="instalments")


def _terms_for(application: Application, number: str, *, start, end, total, grant, cash, in_kind, instalments, partner: int = 0) -> dict:
    values = text.placeholder_values(application=application, number=number, start=start, end=end, total=total, grant=grant,
                                     cash=cash, in_kind=in_kind, partner=partner)
    return {"start": start.isoformat(), "end": end.isoformat(), "total": total, "grant": grant, "partner": partner, "cash": cash,
            "in_kind": in_kind, "instalments": instalments, "clauses": _clauses(application, values), "parties": _parties(application)}


def _parties(application: Application) -> dict:
    """Everything the PDF says about the parties and the project, frozen into the version's
    terms: re-rendering a version (the executed copy) never reads a live profile."""
    program, company = application.call.program, application.company_submitted
    return {
        "agency": program.managing_agency, "agency_head": f"{program.agency_head_title} {program.agency_head_name}".strip(),
        "program": program.name_ko, "call": application.call.title, "project": application.project_title,
        "company": {name: getattr(company, name) for name in ("name", "business_number", "corporate_number", "representative_name", "address")},
    }


def queue_render(version_id: int) -> None:
    from applications.tasks import render_agreement

    enqueue(render_agreement, version_id)  # the beat job renders what is still pending


def _event(agreement: Agreement, *, user, action: EventType, before: str, ip: str | None = None, message: str = "", data=None) -> None:
    event_record(application=agreement.application, actor=user, action=action, ip=ip, message=message,
                 data={"agreement": agreement.number, "from": before, "to": agreement.state, **(data or {})})


def agreement_draft(application: Application, *, user) -> tuple[Agreement, AgreementVersion]:
    """The agreement's first version from the selection: the awarded grant, the budget's
    in-kind share, six months from the first of next month, 70 % on execution and the rest
    after the final report. Run by lifecycle.agreement_start under the application's lock."""
    number = f"AG-{application.receipt_number}"
    budget = budget_of(application)
    grant = application.grant_awarded or application.grant_requested
    partner = application.partner_amount
    in_kind = budget.in_kind
    start = _first_of_next_month(timezone.localdate())
    end = _add_months(start, 6) - datetime.timedelta(days=1)
    instalments = [{"label": "선급금", "percent": 70, "due": start.isoformat()}, {"label": "잔금", "percent": 30, "due": end.isoformat()}]
    terms = _terms_for(application, number, start=start, end=end, total=budget.total, grant=grant, partner=partner,
                       cash=budget.total - grant - partner - in_kind, in_kind=in_kind, instalments=instalments)
    agreement = Agreement.objects.create(application=application, number=number, created_by=user)
    version = AgreementVersion.objects.create(agreement=agreement, number=1, terms=terms, created_by=user)
    return agreement, version


def agreement_for_update(agreement_id: int) -> Agreement:
    """The agreement locked for a change, its application locked first (the life cycle's
    lock order: application → agreement), since every change writes the application's event."""
    from applications.services.lifecycle import lock_application

    application_id = Agreement.objects.values_list("application_id", flat=True).get(pk=agreement_id)
    application = lock_application(application_id)
    agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement_id)
    agreement.application = application
    return agreement


def agreement_update_terms(*, user, agreement_id: int, start: datetime.date, end: datetime.date, grant: int, cash: int,
                           in_kind: int, instalments: list[dict], partner: int | None = None, ip: str | None = None) -> AgreementVersion:
    """New terms make a new version; the old one is kept, marked superseded."""
    _refuse_if_tied(user, agreement_id, action="agreement", ip=ip)
    with transaction.atomic():
        agreement = agreement_for_update(agreement_id)
        if not user.has_perm("applications.manage_agreement", agreement):
            raise PermissionDenied(_("Only the program's officers change agreements."))
        if agreement.state not in (AgreementState.DRAFTED, AgreementState.ISSUED):
            raise ValidationError(_("The company has signed: the terms can no longer change."), code="signed")
        application = agreement.application
        current = agreement.current_version()
        if partner is None:  # unchanged unless given
            partner = current.terms.get("partner", 0)
        total = grant + partner + cash + in_kind
        terms = _terms_for(application, agreement.number, start=start, end=end, total=total, grant=grant, cash=cash, in_kind=in_kind,
                           instalments=instalments, partner=partner)
        check_terms(application, terms)
        before = agreement.state
        if agreement.state == AgreementState.ISSUED:
            agreement.reopen_terms()
            agreement.save()
        AgreementVersion.objects.filter(pk=current.pk).update(superseded_at=timezone.now())
        version = AgreementVersion.objects.create(agreement=agreement, number=current.number + 1, terms=terms, created_by=user)
        _event(agreement, user=user, action=EventType.AGREEMENT_TERMS_CHANGED, before=before, ip=ip, data={"version": version.number})
        transaction.on_commit(lambda: queue_render(version.pk), robust=True)
    return version


def _day(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _context(agreement: Agreement, version: AgreementVersion, *, final: bool = False) -> dict:
    application = agreement.application
    terms = dict(version.terms)
    terms.setdefault("partner", 0)
    for key in ("total", "grant", "partner", "cash", "in_kind"):
        terms[f"{key}_text"] = f"{terms[key]:,}원"
        terms[f"{key}_words"] = won_in_words(terms[key])
        # Shares of the total cost, to one decimal, rounded half up (exact integer arithmetic).
        terms[f"{key}_share"] = plain_number(Decimal((terms[key] * 1000 + terms["total"] // 2) // terms["total"]) / 10) if terms["total"] else "0"
    terms["start"] = datetime.date.fromisoformat(terms["start"])
    terms["end"] = datetime.date.fromisoformat(terms["end"])
    amounts = text.instalment_amounts(version.terms["grant"], version.terms["instalments"])
    instalments = [dict(i, amount_text=f"{a:,}원", amount_words=won_in_words(a), due_date=_day(i.get("due")))
                   for i, a in zip(version.terms["instalments"], amounts)]
    signatures = {s.role: s for s in version.signatures.all()}
    parties = version.terms.get("parties") or _parties(application)  # versions made before the parties were frozen
    agency_signature = signatures.get(Signature.Role.AGENCY)
    return {
        "agreement": agreement, "number": agreement.number, "version_number": version.number, "application": application,
        "company": Company(**parties["company"]), "agency": parties["agency"], "agency_head": parties["agency_head"],
        "program_name": parties["program"], "call_title": parties["call"], "project_title": parties["project"],
        # 체결일: the day the last party (the agency) signed, in KST.
        "concluded_on": timezone.localtime(agency_signature.signed_at).date() if agency_signature else None,
        "terms": terms, "instalments": instalments, "final": final, "version_sha256": version.pdf_sha256,
        "company_signature": signatures.get(Signature.Role.COMPANY), "agency_signature": signatures.get(Signature.Role.AGENCY),
        "verify_url": settings.SITE_URL + reverse("agreement_verify"),
    }


def render_version(*, version_id: int) -> AgreementVersion:
    """Render one version's PDF. The row lock makes a second render of the same version (a
    retry, a duplicate task) wait and then find the file: one version, one file."""
    with transaction.atomic():
        version = AgreementVersion.objects.select_for_update(of=("self",)).select_related("agreement__application__call__program",
                                                                                         "agreement__application__company").get(pk=version_id)
        if version.render_status == AgreementVersion.Render.DONE and version.pdf:
            return version
        version.render_attempts += 1
        agreement = version.agreement
        data = render_pdf("agreements/agreement.html", _context(agreement, version), title=f"협약서 {agreement.number}")
        name = f"{agreement.number}-v{version.number}.pdf"
        if version.pdf:
            version.pdf.delete(save=False)
        version.pdf.save(name, ContentFile(data), save=False)
        version.pdf_sha256 = hashlib.sha256(data).hexdigest()
        version.render_status = AgreementVersion.Render.DONE
        version.render_error = ""
        version.rendered_at = timezone.now()
        version.save()
    return version


def render_failed(*, version_id: int, error: str) -> None:
    AgreementVersion.objects.filter(pk=version_id).update(render_status=AgreementVersion.Render.FAILED, render_error=error[:2000])


def agreement_issue(*, user, agreement_id: int, ip: str | None = None) -> Agreement:
    _refuse_if_tied(user, agreement_id, action="agreement", ip=ip)
    with transaction.atomic():
        agreement = agreement_for_update(agreement_id)
        version = agreement.current_version()
        if version is None or version.render_status != AgreementVersion.Render.DONE:
            raise ValidationError(_("The PDF of the current version is not ready yet."), code="not_rendered")
        _transition(agreement, "issue", user)
        from applications.services.lifecycle import end_of_period

        agreement.sign_due_at = end_of_period(timezone.now(), agreement.application.call.sign_days)
        agreement.save()
        _event(agreement, user=user, action=EventType.AGREEMENT_ISSUED, before=AgreementState.DRAFTED, ip=ip, data={"version": version.number})
        # The notice leads to what is to be signed: the agreement, not the application.
        notify_members(application=agreement.application, template_prefix="agreements/email/issued", context={"agreement": agreement},
                       url=reverse("agreement_detail", args=[agreement.pk]))
    return agreement


def _refuse_if_tied(user, agreement_id: int, *, action: str, ip: str | None) -> None:
    """Separation of duties for the agency's steps (portal/duties.py), before the transaction."""
    agreement = Agreement.objects.select_related("application__company").get(pk=agreement_id)
    refuse_if_tied(user, agreement.application.company, action=action, target=agreement.application, ip=ip)


def _refuse_second_signature(user, agreement_id: int, *, ip: str | None, record: bool = True) -> None:
    """The two signatures come from two people: whoever signed for the company does not sign for the agency."""
    if Signature.objects.filter(version__agreement_id=agreement_id, role=Signature.Role.COMPANY, signer=user).exists():
        if record:
            from portal.services.audit import audit_record

            audit_record(actor=user, action="duty.refused", target=Agreement.objects.get(pk=agreement_id).application, ip=ip,
                         data={"action": "countersign", "tie": "company_signer"})
        raise ConflictOfInterest(_("You signed this agreement for the company, so you cannot also sign it for the agency. "
                                   "Another officer must countersign; this attempt was recorded."))


def _transition(agreement: Agreement, name: str, user) -> None:
    method = getattr(agreement, name)
    if not can_proceed(method):
        raise ValidationError(_("This cannot be done while the agreement is “%(state)s”.") % {"state": agreement.get_state_display()},
                              code="not_allowed")
    if user is not None and not has_transition_perm(method, user):
        raise PermissionDenied(_("You may not do this with this agreement."))
    method()


def _check_version(agreement: Agreement, version_id: int, seen_sha256: str) -> AgreementVersion:
    version = agreement.versions.filter(pk=version_id).first()
    current = agreement.current_version()
    if version is None or current is None or version.pk != current.pk:
        raise ValidationError(_("This version was replaced by version %(n)d. Read the new version before signing.")
                              % {"n": current.number if current else 0}, code="superseded")
    if not seen_sha256 or seen_sha256 != version.pdf_sha256:
        raise ValidationError(_("The document you saw is not the current PDF. Open it again before signing."), code="hash")
    return version


def _record_signature(*, user, agreement_id: int, version_id: int, seen_sha256: str, ip: str | None, transition: str,
                      role: str, action: EventType) -> tuple[Agreement, Signature]:
    """Lock the agreement, check the signer saw the current PDF, move the state, keep who,
    when, from where and the PDF's hash, and write the event (caller's transaction)."""
    agreement = agreement_for_update(agreement_id)
    if role == Signature.Role.AGENCY:  # checked again under the lock
        refuse_if_tied(user, agreement.application.company, action="countersign", target=agreement.application, record=False)
        _refuse_second_signature(user, agreement_id, ip=ip, record=False)
    version = _check_version(agreement, version_id, seen_sha256)
    before = agreement.state
    _transition(agreement, transition, user)
    agreement.save()
    signature = Signature.objects.create(version=version, role=role, signer=user, signer_name=user.name or user.email,
                                         signer_position=user.position, ip_address=ip, pdf_sha256=version.pdf_sha256)
    _event(agreement, user=user, action=action, before=before, ip=ip, data={"version": version.number, "sha256": version.pdf_sha256})
    return agreement, signature


def agreement_sign(*, user, agreement_id: int, version_id: int, seen_sha256: str, ip: str | None = None) -> Signature:
    """The company signs: a member with the authority to sign, after re-authentication (the
    view requires it), on the exact PDF identified by its SHA-256."""
    with transaction.atomic():
        _agreement, signature = _record_signature(user=user, agreement_id=agreement_id, version_id=version_id, seen_sha256=seen_sha256,
                                                  ip=ip, transition="sign", role=Signature.Role.COMPANY, action=EventType.AGREEMENT_SIGNED)
    return signature


def agreement_countersign(*, user, agreement_id: int, version_id: int, seen_sha256: str, ip: str | None = None) -> Signature:
    """The managing agency signs second — never a person tied to the company, never the
    person who signed for the company; execution (the signed final PDF) follows in Celery."""
    _refuse_if_tied(user, agreement_id, action="countersign", ip=ip)
    _refuse_second_signature(user, agreement_id, ip=ip)
    with transaction.atomic():
        agreement, signature = _record_signature(user=user, agreement_id=agreement_id, version_id=version_id, seen_sha256=seen_sha256,
                                                 ip=ip, transition="countersign", role=Signature.Role.AGENCY, action=EventType.AGREEMENT_COUNTERSIGNED)
        transaction.on_commit(lambda: _queue_execute(agreement.pk), robust=True)
    return signature


def _queue_execute(agreement_id: int) -> None:
    from applications.tasks import execute_agreement

    enqueue(execute_agreement, agreement_id)  # else the beat job executes countersigned agreements


def final_pdf_store(agreement: Agreement) -> None:
    """Render the final PDF with the signature page, sign it with the portal's certificate
    and keep it with its hash (lifecycle.agreement_execute holds the locks)."""
    from applications import signing

    version = agreement.current_version()
    with version.pdf.open("rb") as signed_version:
        company_signed = signed_version.read()
    if hashlib.sha256(company_signed).hexdigest() != version.pdf_sha256:
        raise ValueError(f"The stored PDF of {agreement.number} v{version.number} is not the one that was signed.")
    attachment = {"data": company_signed, "name": f"{agreement.number}-v{version.number}.pdf",
                  "description": f"수행기관이 서명한 협약서 제{version.number}판 (SHA-256 {version.pdf_sha256})"}
    data = render_pdf("agreements/agreement.html", _context(agreement, version, final=True), title=f"협약서 {agreement.number}",
                      attachments=[attachment])
    signed = signing.sign_pdf(data, reason=f"협약 체결 {agreement.number}")
    if agreement.final_pdf:
        agreement.final_pdf.delete(save=False)
    agreement.final_pdf.save(f"{agreement.number}.pdf", ContentFile(signed), save=False)
    agreement.final_sha256 = hashlib.sha256(signed).hexdigest()
    agreement.executed_at = timezone.now()


def verify(*, data: bytes | None = None, number: str = "", sha256: str = "") -> dict:
    """Is this agreement genuine, unaltered and in force? By the file, or by number and hash."""
    from applications import signing

    result: dict = {"found": False}
    if data is not None:
        sha256 = hashlib.sha256(data).hexdigest()
        agreement = Agreement.objects.filter(final_sha256=sha256).select_related("application__company", "application__call").first()
        result["signature"] = signing.validate(data)
    else:
        sha256 = sha256.strip().lower()
        agreement = Agreement.objects.filter(number=number.strip(), final_sha256=sha256).select_related(
            "application__company", "application__call").first() if sha256 else None
    result["sha256"] = sha256
    if agreement is not None:
        result.update(found=True, agreement=agreement, in_force=agreement.state == AgreementState.EXECUTED)
    result["genuine"] = result["found"] and (data is None or result["signature"].get("valid", False))
    if agreement is None and sha256:
        # Not an executed agreement, but perhaps a version the portal issued for reading and
        # signing: genuine, yet not the agreement in force (and perhaps replaced since).
        result["version"] = (AgreementVersion.objects.filter(pdf_sha256=sha256).select_related("agreement__application__company")
                             .order_by("-pk").first())
    return result
