"""The agreement's machine: prepared (with the application's start_agreement), its terms
changed, issued, signed by the company (and a three-party agreement's partner), countersigned
by the agency, executed by the worker with the final signed PDF, or lapsed unsigned. Every
step runs through `runner`; the documents themselves (terms, versions, PDFs, verification)
are in applications/services/agreements.py."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from applications.lifecycle import decision, runner
from applications.lifecycle.runner import TransitionRefused
from applications.models import (
    Agreement,
    AgreementState,
    AgreementVersion,
    Application,
    EventType,
    Notification,
    ProgramOfficer,
    Signature,
    State,
)
from applications.services.agreements import (
    _parties,
    _terms_for,
    agreement_draft,
    check_terms,
    clause_set_fits,
    clause_set_for,
    final_pdf_store,
    partner_missing,
    queue_render,
    signing_capacity,
)
from applications.services.events import event_record
from portal.duties import ConflictOfInterest, refuse_if_tied, tie_with
from portal.formatting import deadline
from portal.models import User
from portal.periods import period_end
from portal.queue import enqueue_by_name
from portal.services.audit import audit_record
from portal.services.outbox import email_enqueue, mail_text, render_bilingual


def _event(agreement: Agreement, *, user, action: EventType, before: str, ip: str | None = None, message: str = "", data=None) -> None:
    event_record(application=agreement.application, actor=user, action=action, ip=ip, message=message,
                 data={"agreement": agreement.number, "from": before, "to": agreement.state, **(data or {})})


def agreement_for_update(agreement_id: int) -> Agreement:
    """The agreement locked for a change, its application locked first (the life cycle's
    lock order: application → agreement), since every change writes the application's event."""
    application_id = Agreement.objects.values_list("application_id", flat=True).get(pk=agreement_id)
    application = runner.lock_application(application_id)
    agreement = Agreement.objects.select_for_update(of=("self",)).get(pk=agreement_id)
    agreement.application = application
    return agreement


def agreement_update_terms(*, user, agreement_id: int, start: datetime.date, end: datetime.date, grant: int, cash: int,
                           in_kind: int, instalments: list[dict], partner: int | None = None, ip: str | None = None) -> AgreementVersion:
    """New terms make a new version; the old one is kept, marked superseded. A changed
    grant commits the call's money: it is checked under the call's budget lock and becomes
    what the application holds."""
    _refuse_if_tied(user, agreement_id, action="agreement", ip=ip)
    with transaction.atomic():
        decision.lock_budget(Agreement.objects.values_list("application__call_id", flat=True).get(pk=agreement_id))
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
        # New terms keep the standard clauses the agreement was prepared with; a revision of
        # the clauses applies to agreements prepared after it.
        clause_set = current.clause_set if clause_set_fits(current, application) else clause_set_for(application)
        terms = _terms_for(application, agreement.number, start=start, end=end, total=total, grant=grant, cash=cash, in_kind=in_kind,
                           instalments=instalments, partner=partner, clause_set=clause_set)
        check_terms(application, terms)
        if grant != application.grant_awarded:
            decision.refuse_over_budget(application.call, grant=grant, application_id=application.pk)
            application.grant_awarded = grant
            application.save(update_fields=["grant_awarded", "updated_at"])
        before = agreement.state
        if agreement.state == AgreementState.ISSUED:
            runner.begin(agreement, "reopen_terms", user).apply()
            agreement.save()
        AgreementVersion.objects.filter(pk=current.pk).update(superseded_at=timezone.now())
        version = AgreementVersion.objects.create(agreement=agreement, number=current.number + 1, terms=terms, created_by=user,
                                                  clause_set=clause_set)
        _event(agreement, user=user, action=EventType.AGREEMENT_TERMS_CHANGED, before=before, ip=ip,
               data={"version": version.number, "grant": grant})
        transaction.on_commit(lambda: queue_render(version.pk), robust=True)
    return version


def agreement_issue(*, user, agreement_id: int, ip: str | None = None) -> Agreement:
    _refuse_if_tied(user, agreement_id, action="agreement", ip=ip)
    with transaction.atomic():
        agreement = agreement_for_update(agreement_id)
        version = agreement.current_version()
        if version is None or version.render_status != AgreementVersion.Render.DONE:
            raise ValidationError(_("The PDF of the current version is not ready yet."), code="not_rendered")
        if version.partner and agreement.partner_signer_id is None:
            raise ValidationError(_("This is a three-party agreement: name the partner company's signer before issuing it. Nothing was issued."),
                                  code="no_partner_signer")
        step = runner.begin(agreement, "issue", user)
        program = agreement.application.call.program
        program.require_family()
        if version.clause_set is not None and not clause_set_fits(version, agreement.application):
            raise ValidationError(_("This agreement was drafted with the standard clauses of another program family (%(drafted)s); the "
                                    "program is now “%(family)s”. Save the terms again to draft it with that family's clauses. "
                                    "Nothing was issued.") % {"drafted": version.clause_set.get_family_display(),
                                                              "family": program.get_family_display()}, code="other_family")
        step.apply()
        agreement.sign_due_at = period_end(timezone.now(), days=agreement.application.call.sign_days)
        # The notice leads to what is to be signed: the agreement, not the application.
        step.finish(ip=ip, data={"version": version.number}, context={"agreement": agreement},
                    url=reverse("agreement_detail", args=[agreement.pk]))
        if agreement.partner_signer_id:
            _notify_partner_signer(agreement, version)
    return agreement


def _notify_partner_signer(agreement: Agreement, version: AgreementVersion) -> None:
    """The partner's signer is told (an in-app notice and an e-mail) that the agreement is
    theirs to read and sign; the notice leads to the agreement (caller's transaction)."""

    application, signer = agreement.application, agreement.partner_signer
    parts = render_bilingual("agreements/email/partner_sign", {
        "agreement": agreement, "call": application.call, "company": application.company, "partner": version.partner,
        "site_url": settings.SITE_URL})
    Notification.objects.create(user=signer, application=application, message_ko=parts["ko"][0], message_en=parts["en"][0],
                                url=reverse("agreement_detail", args=[agreement.pk]))
    subject, body = mail_text(parts)
    email_enqueue(subject=subject, body=body, to=[signer.email], reply_to=[application.call.contact_email])


def agreement_partner_signer_set(*, user, agreement_id: int, email: str, ip: str | None = None) -> Agreement:
    """Name the account that signs a three-party agreement for its paying partner: a real
    person's account (active, its e-mail address confirmed, named), not tied to the company
    and not on the agency's side. The role lets them read and sign this one agreement. It
    may change until the partner has signed the current version; named after issue, the
    signer is told at once."""
    from allauth.account.models import EmailAddress


    _refuse_if_tied(user, agreement_id, action="agreement", ip=ip)
    with transaction.atomic():
        agreement = agreement_for_update(agreement_id)
        if not user.has_perm("applications.manage_agreement", agreement):
            raise PermissionDenied(_("Only the program's officers prepare agreements."))
        version = agreement.current_version()
        partner = version.partner if version else None
        if partner is None:
            raise ValidationError(_("Only a three-party (상생형) agreement has a partner company that signs."), code="not_three_party")
        if agreement.state not in (AgreementState.DRAFTED, AgreementState.ISSUED, AgreementState.SIGNED):
            raise ValidationError(_("This cannot be done while the agreement is “%(state)s”.") % {"state": agreement.get_state_display()},
                                  code="not_allowed")
        if version.signatures.filter(role=Signature.Role.PARTNER).exists():
            raise ValidationError(_("The partner company has already signed this version; its signer can no longer change. Nothing was changed."),
                                  code="partner_signed")
        address = email.strip()
        signer = User.objects.filter(email__iexact=address, is_active=True).first() if address else None
        if signer is None or not EmailAddress.objects.filter(user=signer, email__iexact=signer.email, verified=True).exists():
            raise ValidationError(_("No account with a confirmed e-mail address uses “%(email)s”. The partner's signer first signs up "
                                    "on the portal with that address; then name them here. Nothing was changed.") % {"email": address},
                                  code="no_account")
        if not signer.name.strip():
            raise ValidationError(_("The account of %(email)s has no name, and a signer is named on the agreement with their name and "
                                    "position: ask them to enter both in their profile first. Nothing was changed.") % {"email": signer.email},
                                  code="no_name")
        if tie_with(signer, agreement.application.company) is not None:
            raise ValidationError(_("%(name)s is tied to the company that carries out the project and cannot sign for the partner "
                                    "company: the partner is a third party. Nothing was changed.") % {"name": signer.name}, code="tied")
        if signer.is_staff or signer.is_superuser or ProgramOfficer.objects.filter(user=signer).exists():
            raise ValidationError(_("%(name)s works on the agency's side of the portal and cannot sign for the partner company. "
                                    "Nothing was changed.") % {"name": signer.name}, code="agency_side")
        if agreement.partner_signer_id == signer.pk:
            return agreement
        agreement.partner_signer = signer
        agreement.save(update_fields=["partner_signer"])
        _event(agreement, user=user, action=EventType.AGREEMENT_PARTNER_SIGNER, before=agreement.state, ip=ip,
               data={"partner": partner["name"], "signer": signer.pk, "signer_name": signer.name})
        if agreement.state in (AgreementState.ISSUED, AgreementState.SIGNED):
            _notify_partner_signer(agreement, version)
    return agreement


def _refuse_if_tied(user, agreement_id: int, *, action: str, ip: str | None) -> None:
    """Separation of duties for the agency's steps (portal/duties.py), before the transaction."""
    agreement = Agreement.objects.select_related("application__company").get(pk=agreement_id)
    refuse_if_tied(user, agreement.application.company, action=action, target=agreement.application, ip=ip)


# What an officer does in drafting an agreement (기안): whoever did any of it does not also
# approve it (결재) by countersigning — the four-eyes rule of Korean agencies.
DRAFTING_EVENTS = (EventType.AGREEMENT_PREPARED, EventType.AGREEMENT_TERMS_CHANGED, EventType.AGREEMENT_ISSUED)


def countersign_tie(user, agreement_id: int) -> tuple[str, str] | None:
    """Why `user` may not sign this agreement for the agency, as (tie, message), or None. The
    two signatures come from two people, and the agency's from a third: whoever signed for the
    company, or prepared, changed or issued the agreement, does not sign for the agency. The
    agreement page reads it too, so that it offers no signature the service would refuse."""
    agreement = Agreement.objects.select_related("application").get(pk=agreement_id)
    signed_as = set(Signature.objects.filter(version__agreement_id=agreement_id, signer=user).values_list("role", flat=True))
    if Signature.Role.COMPANY in signed_as:
        return "company_signer", _("You signed this agreement for the company, so you cannot also sign it for the agency. "
                                   "Another officer must countersign; this attempt was recorded.")
    if Signature.Role.PARTNER in signed_as or agreement.partner_signer_id == user.pk:
        return "partner_signer", _("You sign this agreement for the partner company, so you cannot also sign it for the agency. "
                                   "Another officer must countersign; this attempt was recorded.")
    if agreement.application.events.filter(actor=user, action__in=DRAFTING_EVENTS).exists():
        return "drafter", _("You prepared or issued this agreement, so you cannot also sign it for the agency: "
                            "drafting and approval are done by two officers. Another officer must countersign; "
                            "this attempt was recorded.")
    return None


def _refuse_second_signature(user, agreement_id: int, *, ip: str | None, record: bool = True) -> None:
    """Only for someone who could countersign at all: anyone else is refused, unrecorded, by
    the transition's own permission."""
    agreement = Agreement.objects.select_related("application__call__program").get(pk=agreement_id)
    if not user.has_perm("applications.countersign_agreement", agreement):
        return
    found = countersign_tie(user, agreement_id)
    if found is None:
        return
    tie, message = found
    if record:
        audit_record(actor=user, action="duty.refused", target=agreement.application, ip=ip, data={"action": "countersign", "tie": tie})
    raise ConflictOfInterest(message)


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
                      role: str, now: datetime.datetime | None = None, delegated_by: str | None = None,
                      position: str | None = None) -> tuple[Agreement, Signature]:
    """Lock the agreement, check the signer saw the current PDF (and, for the company, that
    the signature arrived before the signing deadline: `now`; for the agency, that every
    other party has signed), move the state, keep who, in what capacity, when, from where
    and the PDF's hash, and write the event (caller's transaction)."""
    agreement = agreement_for_update(agreement_id)
    # The signer's own row too (agreement → person): leaving the portal locks it and checks
    # for running agreements, so a signature and a departure cannot cross.
    signer = User.objects.select_for_update().only("pk", "is_active", "left_at").get(pk=user.pk)
    if signer.left_at is not None or not signer.is_active:
        raise ValidationError(_("This account has been closed; it can no longer sign. Nothing was signed."), code="closed")
    if role == Signature.Role.AGENCY:  # checked again under the lock
        refuse_if_tied(user, agreement.application.company, action="countersign", target=agreement.application, record=False)
        _refuse_second_signature(user, agreement_id, ip=ip, record=False)
    if role == Signature.Role.COMPANY and agreement.state == AgreementState.ISSUED and agreement.sign_due_at is not None \
            and (now or timezone.now()) >= agreement.sign_due_at:
        raise ValidationError(_("The agreement had to be signed by %(time)s (KST); the signing period is over and nothing was signed.")
                              % {"time": deadline(agreement.sign_due_at)}, code="sign_lapsed")
    version = _check_version(agreement, version_id, seen_sha256)
    step = runner.begin(agreement, transition, user)
    if role == Signature.Role.PARTNER:
        _check_partner_signer(user, agreement, version)
    if role == Signature.Role.AGENCY and version.partner and not version.signatures.filter(role=Signature.Role.PARTNER).exists():
        raise ValidationError(_("This is a three-party agreement: the partner company (%(partner)s) has not signed version %(n)d yet. "
                                "The agency signs last, once the company and the partner have both signed; nothing was signed.")
                              % {"partner": version.partner["name"], "n": version.number}, code="partner_unsigned")
    if role == Signature.Role.AGENCY:
        delegated_by, position = "", user.position
    else:
        party = version.partner if role == Signature.Role.PARTNER else (version.terms.get("parties") or _parties(agreement.application))["company"]
        delegated_by, position = signing_capacity(user, party, delegated_by=delegated_by, position=position)
    step.apply()
    signature = Signature.objects.create(version=version, role=role, signer=user, signer_name=user.name or user.email,
                                         signer_position=position, delegated_by=delegated_by, ip_address=ip, pdf_sha256=version.pdf_sha256)
    step.finish(ip=ip, data={"version": version.number, "sha256": version.pdf_sha256, **({"delegated_by": delegated_by} if delegated_by else {})})
    return agreement, signature


def _check_partner_signer(user, agreement: Agreement, version: AgreementVersion) -> None:
    if not version.partner:
        raise ValidationError(_("Only a three-party (상생형) agreement has a partner company that signs."), code="not_three_party")
    if tie_with(user, agreement.application.company) is not None:  # joined the company since being named
        raise PermissionDenied(_("You do not have the authority to sign for this party."))


def agreement_sign(*, user, agreement_id: int, version_id: int, seen_sha256: str, ip: str | None = None,
                   now: datetime.datetime | None = None, delegated_by: str | None = None, position: str | None = None) -> Signature:
    """The company signs: a member with the authority to sign, after re-authentication (the
    view requires it), on the exact PDF identified by its SHA-256, before the signing
    deadline judged by when the request arrived (`now`). A member who is not the
    representative signs by the representative's delegation (`signing_capacity`)."""
    with transaction.atomic():
        _agreement, signature = _record_signature(user=user, agreement_id=agreement_id, version_id=version_id, seen_sha256=seen_sha256,
                                                  ip=ip, transition="sign", role=Signature.Role.COMPANY,
                                                  now=now, delegated_by=delegated_by, position=position)
    return signature


def agreement_sign_for_partner(*, user, agreement_id: int, version_id: int, seen_sha256: str, ip: str | None = None,
                               delegated_by: str | None = None, position: str | None = None) -> Signature:
    """The paying partner of a three-party agreement signs: only the account the officer
    named for this agreement, after re-authentication, on the exact PDF, before or after the
    company; the agency countersigns once both have."""
    with transaction.atomic():
        _agreement, signature = _record_signature(user=user, agreement_id=agreement_id, version_id=version_id, seen_sha256=seen_sha256,
                                                  ip=ip, transition="sign_for_partner", role=Signature.Role.PARTNER,
                                                  delegated_by=delegated_by, position=position)
    return signature


def agreement_countersign(*, user, agreement_id: int, version_id: int, seen_sha256: str, ip: str | None = None) -> Signature:
    """The managing agency signs second — never a person tied to the company, never the
    person who signed for the company, never the officer who drafted it; execution (the signed final PDF) follows in Celery."""
    _refuse_if_tied(user, agreement_id, action="countersign", ip=ip)
    _refuse_second_signature(user, agreement_id, ip=ip)
    with transaction.atomic():
        agreement, signature = _record_signature(user=user, agreement_id=agreement_id, version_id=version_id, seen_sha256=seen_sha256,
                                                 ip=ip, transition="countersign", role=Signature.Role.AGENCY)
        transaction.on_commit(lambda: _queue_execute(agreement.pk), robust=True)
    return signature


def _queue_execute(agreement_id: int) -> None:
    enqueue_by_name("applications.tasks.execute_agreement", agreement_id)  # else the beat job executes countersigned agreements



def agreement_start(*, user, application_id: int, ip: str | None = None) -> Agreement:
    """Prepare the agreement of a selected application (its first version is rendered by
    the worker)."""
    runner.refuse_if_tied_to(user, application_id, action="agreement", ip=ip)
    with transaction.atomic():
        application = runner.lock_application(application_id)
        refuse_if_tied(user, application.company, action="agreement", target=application, record=False)
        if not has_transition_perm(application.start_agreement, user):
            if application.state != State.SELECTED:
                raise ValidationError(_("Only a selected application gets an agreement."), code="not_selected")
            raise PermissionDenied(_("Only the program's officers prepare agreements."))
        problem = partner_missing(application.call)
        if problem:
            raise ValidationError(problem, code="no_partner")
        step = runner.begin(application, "start_agreement", user)
        agreement, version = agreement_draft(application, user=user)
        step.apply()
        step.finish(ip=ip, data={"agreement": agreement.number})
        transaction.on_commit(lambda: queue_render(version.pk), robust=True)
    return agreement


def agreement_execute(*, agreement_id: int) -> Agreement:
    """The worker: the final PDF with its signature page, signed with the portal's
    certificate, puts the agreement in force. Safe to run again."""
    with transaction.atomic():
        agreement = agreement_for_update(agreement_id)
        application = agreement.application
        if agreement.state == AgreementState.EXECUTED:
            return agreement
        step = runner.begin(application, "execute_agreement", None, expected_state=State.AGREEMENT)
        own = runner.begin(agreement, "execute", None)
        final_pdf_store(agreement)
        own.apply()
        agreement.save()
        step.apply()
        step.finish(data={"agreement": agreement.number, "sha256": agreement.final_sha256}, context={"agreement": agreement},
                    url=reverse("agreement_detail", args=[agreement.pk]))
    return agreement


def agreement_lapse(*, agreement_id: int, now: datetime.datetime) -> Application:
    """The system: an issued agreement the company has not signed by its deadline lapses,
    and the company is taken to have given up its place (협약 미체결 시 포기 간주)."""
    with transaction.atomic():
        agreement = agreement_for_update(agreement_id)
        application = agreement.application
        step = runner.begin(application, "lapse_agreement", None, expected_state=State.AGREEMENT)
        if agreement.state != AgreementState.ISSUED or agreement.sign_due_at is None or now < agreement.sign_due_at + runner.ANSWER_GRACE:
            raise TransitionRefused(_("The agreement is not past its signing deadline."), code="not_due")
        runner.begin(agreement, "lapse", None).apply()
        agreement.save()
        step.apply()
        application.withdrawn_at = now
        application.withdraw_reason = _("The agreement was not signed in time.")
        step.finish(data={"agreement": agreement.number, "due_at": deadline(agreement.sign_due_at)}, context={"agreement": agreement})
        decision.place_freed(application.call)
    return application


def agreement_sweep(*, now: datetime.datetime) -> int:
    """Lapse the issued agreements left unsigned `ANSWER_GRACE` past their deadline. Part of
    the beat job `applications.lifecycle.offer_sweep`."""
    done = 0
    unsigned = Agreement.objects.filter(state=AgreementState.ISSUED, sign_due_at__lte=now - runner.ANSWER_GRACE,
                                        application__state=State.AGREEMENT)
    for agreement_id in list(unsigned.values_list("pk", flat=True)):
        try:
            agreement_lapse(agreement_id=agreement_id, now=now)
            done += 1
        except ValidationError:
            continue  # signed in the meantime
    return done
