"""The agreement's documents: its terms and versions, the rendered PDFs (Celery), the
signers' capacity, the final signed PDF, and verification by anyone. Every change of the
agreement's state (prepare, change terms, issue, sign, countersign, execute, lapse) is in
applications/lifecycle/agreement.py."""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import agreement_text as text
from applications import signing
from applications.budget import compute_budget, rules_of
from applications.models import Agreement, AgreementState, AgreementVersion, Application, ClauseSet, Signature
from applications.pdf import render_pdf
from applications.services.submission import budget_of
from portal.formatting import plain_number, won
from portal.identifiers import format_business_number
from portal.korean import won_in_words
from portal.limits import without_controls
from portal.models import Company
from portal.queue import enqueue_by_name

log = logging.getLogger(__name__)


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def clause_set_for(application: Application) -> ClauseSet:
    """The standard clauses a new agreement of this application takes: its program family's
    version in force today (KST). A program whose family is not chosen is refused: its
    agreement never takes another family's clauses."""
    application.call.program.require_family()
    clause_set = ClauseSet.objects.in_force(application.call.program.family, timezone.localdate())
    if clause_set is None:
        raise ValidationError(_("No standard agreement clauses of this program's family are in force yet: an administrator "
                                "must add them before an agreement can be prepared."), code="no_clauses")
    return clause_set


def clause_set_fits(version: AgreementVersion, application: Application) -> bool:
    """The version was drafted with clauses of the program's family (a version drafted before
    an administrator corrected the family does not fit, and new terms take the right ones)."""
    return version.clause_set is not None and version.clause_set.family == application.call.program.family


def _clauses(application: Application, values: dict, clause_set: ClauseSet) -> dict:
    """The clauses filled in and frozen into the version's terms: the family's standard
    clauses numbered in order, then the call's special conditions (특약) under their own titles."""
    standard = [{"title": f"제{n}조({clause.heading})", "text": text.fill(clause.body, values)}
                for n, clause in enumerate(clause_set.clauses.all(), 1)]
    special = [{"title": t.title, "text": text.fill(t.body, values)} for t in application.call.clause_templates.all()]
    return {"clauses": standard, "special_clauses": special,
            "clause_set": {"title": clause_set.title, "version": clause_set.version, "effective_on": clause_set.effective_on.isoformat(),
                           "label": clause_set.label()}}


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
        raise ValidationError(_("The grant, the partner company's share and the company's cash and in-kind shares must add up to "
                                "the total cost (%(diff)s apart).")
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


def _terms_for(application: Application, number: str, *, start, end, total, grant, cash, in_kind, instalments, clause_set: ClauseSet,
               partner: int = 0) -> dict:
    values = text.placeholder_values(application=application, number=number, start=start, end=end, total=total, grant=grant,
                                     cash=cash, in_kind=in_kind, partner=partner)
    return {"start": start.isoformat(), "end": end.isoformat(), "total": total, "grant": grant, "partner": partner, "cash": cash,
            "in_kind": in_kind, "instalments": instalments, **_clauses(application, values, clause_set), "parties": _parties(application)}


def _parties(application: Application) -> dict:
    """Everything the PDF says about the parties and the project, frozen into the version's
    terms: re-rendering a version (the executed copy) never reads a live profile. A
    three-party (상생형) call adds its paying partner; a program that names solution
    suppliers adds the supplier the company chose in its application."""
    call = application.call
    program, company = call.program, application.company_submitted
    parties = {
        "agency": program.managing_agency, "agency_head": f"{program.agency_head_title} {program.agency_head_name}".strip(),
        "program": program.name_ko, "call": call.title, "project": application.project_title,
        "company": {name: getattr(company, name) for name in ("name", "business_number", "corporate_number", "representative_name", "address")},
    }
    if call.min_partner_share_bp:
        parties["partner"] = {"name": call.partner_name, "business_number": call.partner_business_number,
                              "representative_name": call.partner_representative}
    if application.supplier_name:
        parties["supplier"] = {"name": application.supplier_name, "business_number": application.supplier_business_number}
    return parties


def partner_missing(call) -> str | None:
    """Why a three-party call's agreements cannot be drafted yet (its partner is not named), or None."""
    if call.min_partner_share_bp and not (call.partner_name.strip() and call.partner_representative.strip()):
        return _("This call is funded by three parties (상생형): its agreements name the partner company that pays its share "
                 "and signs them. Enter the partner company and its representative in the call's basics first.")
    return None


def queue_render(version_id: int) -> None:
    enqueue_by_name("applications.tasks.render_agreement", version_id)  # the beat job renders what is still pending


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
    clause_set = clause_set_for(application)
    terms = _terms_for(application, number, start=start, end=end, total=budget.total, grant=grant, partner=partner,
                       cash=budget.total - grant - partner - in_kind, in_kind=in_kind, instalments=instalments, clause_set=clause_set)
    agreement = Agreement.objects.create(application=application, number=number, created_by=user)
    version = AgreementVersion.objects.create(agreement=agreement, number=1, terms=terms, created_by=user, clause_set=clause_set)
    return agreement, version


def _day(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _context(agreement: Agreement, version: AgreementVersion, *, final: bool = False, created: datetime.datetime | None = None) -> dict:
    application = agreement.application
    terms = dict(version.terms)
    terms.setdefault("partner", 0)
    for key in ("total", "grant", "partner", "cash", "in_kind"):
        terms[f"{key}_text"] = f"{terms[key]:,}원"
        # Words guard a written amount against alteration; a zero is written 0원 alone, never 금 영원정.
        terms[f"{key}_words"] = won_in_words(terms[key]) if terms[key] else ""
        # Shares of the total cost, to one decimal, rounded half up (exact integer arithmetic).
        terms[f"{key}_share"] = plain_number(Decimal((terms[key] * 1000 + terms["total"] // 2) // terms["total"]) / 10) if terms["total"] else "0"
    terms["start"] = datetime.date.fromisoformat(terms["start"])
    terms["end"] = datetime.date.fromisoformat(terms["end"])
    amounts = text.instalment_amounts(version.terms["grant"], version.terms["instalments"])
    instalments = [dict(i, amount_text=f"{a:,}원", amount_words=won_in_words(a), due_date=_day(i.get("due")))
                   for i, a in zip(version.terms["instalments"], amounts)]
    for key in ("clauses", "special_clauses"):
        terms[key] = [dict(clause, paragraphs=_paragraphs(clause["text"])) for clause in terms.get(key, [])]
    signatures = {s.role: s for s in version.signatures.all()}
    parties = parties_of(version)
    agency_signature = signatures.get(Signature.Role.AGENCY)
    return {
        "agreement": agreement, "number": agreement.number, "version_number": version.number, "application": application,
        "company": Company(**parties["company"]), "agency": parties["agency"], "agency_head": parties["agency_head"],
        "partner": parties["partner"], "supplier": parties["supplier"],
        "program_name": parties["program"], "call_title": parties["call"], "project_title": parties["project"],
        # 체결일: the day the last party (the agency) signed, in KST.
        "concluded_on": timezone.localtime(agency_signature.signed_at).date() if agency_signature else None,
        "terms": terms, "instalments": instalments, "final": final, "version_sha256": version.pdf_sha256,
        "company_signature": signatures.get(Signature.Role.COMPANY), "agency_signature": signatures.get(Signature.Role.AGENCY),
        "partner_signature": signatures.get(Signature.Role.PARTNER),
        "verify_url": settings.SITE_URL + reverse("agreement_verify"),
        # The PDF's creation date (Info and XMP alike): the version's own time, so that rendering
        # a version again gives the same metadata; the executed copy's is its execution.
        "created": timezone.localtime(created or version.created_at).replace(microsecond=0).isoformat(),
    }


# A paragraph that starts with ①… or "1. " hangs its marker in the margin.
ITEM_MARK = re.compile(r"^(?:[\u2460-\u2473]|\d+\.\s)")


def _paragraphs(clause_text: str) -> list[dict]:
    return [{"text": line, "item": bool(ITEM_MARK.match(line))} for line in clause_text.splitlines() if line.strip()]


def parties_of(version: AgreementVersion) -> dict:
    """The version's frozen parties, with business numbers as they are written (XXX-XX-XXXXX);
    "partner" and "supplier" are None when the agreement has none."""
    parties = dict(version.terms.get("parties") or _parties(version.agreement.application))  # versions made before the parties were frozen
    for key in ("partner", "supplier"):
        parties[key] = _with_number_display(parties.get(key))
    return parties


def _with_number_display(party: dict | None) -> dict | None:
    if not party:
        return None
    number = party.get("business_number") or ""
    return party | {"business_number_display": format_business_number(number) if number else ""}


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


def representatives(party: dict | None) -> list[str]:
    """The representatives a party names (공동대표: several, written "홍길동, 김철수")."""
    names = re.split(r"\s*[,·/]\s*|\s+및\s+", ((party or {}).get("representative_name") or "").strip())
    return [name for name in names if name]


def same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def signing_capacity(user, party: dict | None, *, delegated_by: str | None = None, position: str | None = None) -> tuple[str, str]:
    """How `user` signs for a company or a partner (`party`, as the agreement names it):
    (the representative who delegated, or "" when the signer is a representative; the
    signer's position). Someone who is not a representative signs by delegation (위임),
    which names the representative — given, or the one the agreement names when there is
    only one — and the delegate's position. Raises ValidationError when it cannot."""
    names = representatives(party)
    position = without_controls(user.position if position is None else position).strip()
    if len(position) > Signature._meta.get_field("signer_position").max_length:
        raise ValidationError(_("A position is at most %(n)d characters long. Nothing was signed.")
                              % {"n": Signature._meta.get_field("signer_position").max_length}, code="position_length")
    if any(same_name(user.name or "", name) for name in names):
        return "", position
    named = (names[0] if len(names) == 1 else "") if delegated_by is None else delegated_by.strip()
    if not names:
        raise ValidationError(_("The agreement names no representative of %(party)s, so nobody can sign by the representative's "
                                "delegation. Ask the program officer for a version that names the representative. Nothing was signed.")
                              % {"party": (party or {}).get("name", "")}, code="no_representative")
    if not named:
        raise ValidationError(_("You are not the representative named in the agreement, so you sign by delegation (위임): choose the "
                                "representative who delegated the signature to you. Nothing was signed."), code="delegation_unnamed")
    if not any(same_name(named, name) for name in names):
        raise ValidationError(_("The representative named in the agreement is %(names)s; a delegation from “%(named)s” does not count. "
                                "Nothing was signed.") % {"names": ", ".join(names), "named": named}, code="delegation_wrong")
    if not position:
        raise ValidationError(_("A delegated signature names the signer's position: enter yours (for example 과장). Nothing was signed."),
                              code="delegate_position")
    return next(name for name in names if same_name(named, name)), position


def final_pdf_store(agreement: Agreement) -> None:
    """Render the final PDF with the signature page, sign it with the portal's certificate
    and keep it with its hash (lifecycle.agreement_execute holds the locks)."""

    version = agreement.current_version()
    with version.pdf.open("rb") as signed_version:
        company_signed = signed_version.read()
    if hashlib.sha256(company_signed).hexdigest() != version.pdf_sha256:
        raise ValueError(f"The stored PDF of {agreement.number} v{version.number} is not the one that was signed.")
    attachment = {"data": company_signed, "name": f"{agreement.number}-v{version.number}.pdf",
                  "description": f"수행기관이 서명한 협약서 제{version.number}판 (SHA-256 {version.pdf_sha256})"}
    executed_at = timezone.now()
    data = render_pdf("agreements/agreement.html", _context(agreement, version, final=True, created=executed_at),
                      title=f"협약서 {agreement.number}", attachments=[attachment], to_be_signed=True)
    signed = signing.sign_pdf(data, reason=f"협약 체결 {agreement.number}")
    if agreement.final_pdf:
        agreement.final_pdf.delete(save=False)
    agreement.final_pdf.save(f"{agreement.number}.pdf", ContentFile(signed), save=False)
    agreement.final_sha256 = hashlib.sha256(signed).hexdigest()
    agreement.executed_at = executed_at


def verify(*, data: bytes | None = None, number: str = "", sha256: str = "") -> dict:
    """Is this agreement genuine, unaltered and in force? By the file, or by number and hash."""

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
        result.update(found=True, agreement=agreement, in_force=agreement.state == AgreementState.EXECUTED,
                      company=party_name(agreement.current_version(), agreement.application))
    result["genuine"] = result["found"] and (data is None or result["signature"].get("valid", False))
    if agreement is None and sha256:
        # Not an executed agreement, but perhaps a version the portal issued for reading and
        # signing: genuine, yet not the agreement in force (and perhaps replaced since).
        version = (AgreementVersion.objects.filter(pdf_sha256=sha256).select_related("agreement__application__company")
                   .order_by("-pk").first())
        if version is not None:
            result.update(version=version, company=party_name(version, version.agreement.application))
    return result


def party_name(version: AgreementVersion | None, application: Application) -> str:
    """The company's name as the version froze it — the name that signed, not the profile's
    name today (a company renamed after signing is still the party of what it signed)."""
    parties = (version.terms.get("parties") if version is not None else None) or {}
    return parties.get("company", {}).get("name") or application.company_submitted.name
