from __future__ import annotations

import rules

from portal.models import CompanyMembership
from portal.permissions import is_admin, is_any_program_officer, is_company_member


def _program_of(obj):
    """A Program, or the program of a call, an application, an agreement or anything else that has one."""
    if hasattr(obj, "application"):
        obj = obj.application
    if hasattr(obj, "call"):
        obj = obj.call
    return getattr(obj, "program", obj)


@rules.predicate
def is_program_officer(user, obj) -> bool:
    if obj is None or not user.is_authenticated:
        return False
    program = _program_of(obj)
    cache = user.__dict__.setdefault("_portal_officer_of", {})
    if program.pk not in cache:
        cache[program.pk] = program.officer_links.filter(user=user).exists()
    return cache[program.pk]


@rules.predicate
def is_applicant_member(user, obj) -> bool:
    """A member of the company behind an application (or behind an agreement's application)."""
    application = getattr(obj, "application", obj)
    return application is not None and is_company_member(user, application.company)


@rules.predicate
def is_company_signatory(user, agreement) -> bool:
    """A member of the company with the authority to sign (the representative or a delegate)."""

    if agreement is None or not user.is_authenticated:
        return False
    return CompanyMembership.objects.filter(company_id=agreement.application.company_id, user=user, can_sign=True).exists()


@rules.predicate
def is_partner_signer(user, agreement) -> bool:
    """The account the officer named to sign this agreement for the paying partner (상생형):
    this one agreement, nothing else of the application or the company."""
    return (agreement is not None and user.is_authenticated and hasattr(agreement, "partner_signer_id")
            and agreement.partner_signer_id == user.pk)


@rules.predicate
def is_draft(user, application) -> bool:
    return application is not None and application.state == "draft"


@rules.predicate
def is_editable(user, application) -> bool:
    """A draft, or an application whose revision the officer asked for."""
    return application is not None and application.is_editable


rules.add_perm("applications.manage_program", is_program_officer | is_admin)
rules.add_perm("applications.manage_call", is_program_officer | is_admin)
# A draft is the company's own work until it is submitted: staff see applications from then on.
rules.add_perm("applications.view_application", is_applicant_member | ((is_program_officer | is_admin) & ~is_draft))
rules.add_perm("applications.edit_application", is_applicant_member & is_editable)
rules.add_perm("applications.submit_application", is_applicant_member)
rules.add_perm("applications.resubmit_application", is_applicant_member)
rules.add_perm("applications.withdraw_application", is_applicant_member)
rules.add_perm("applications.appeal_application", is_applicant_member)
rules.add_perm("applications.answer_offer", is_applicant_member)
# Decisions on applications are the program officer's, who answers for them; an admin
# sets the portal up but does not decide.
rules.add_perm("applications.screen_application", is_program_officer)
rules.add_perm("applications.decide_selection", is_program_officer)
rules.add_perm("applications.decide_appeal", is_program_officer)
rules.add_perm("applications.use_queue", is_any_program_officer | is_admin)
rules.add_perm("applications.manage_agreement", is_program_officer)
rules.add_perm("applications.countersign_agreement", is_program_officer)
rules.add_perm("applications.sign_agreement", is_company_signatory)
rules.add_perm("applications.sign_agreement_for_partner", is_partner_signer)
rules.add_perm("applications.view_agreement", is_program_officer | is_admin | is_applicant_member | is_partner_signer)
