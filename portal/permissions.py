"""Who may do what, as `rules` predicates shared by views, templates and transitions."""

from __future__ import annotations

import rules

from portal.models import CompanyMembership
from portal.roles import roles_of


@rules.predicate
def is_admin(user) -> bool:
    return roles_of(user).is_admin


@rules.predicate
def is_reviewer(user) -> bool:
    return roles_of(user).is_reviewer


@rules.predicate
def is_any_program_officer(user) -> bool:
    return roles_of(user).is_officer


def _membership(user, company) -> CompanyMembership | None:
    if company is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_portal_memberships", {})
    if company.pk not in cache:
        cache[company.pk] = CompanyMembership.objects.filter(user=user, company=company).first()
    return cache[company.pk]


@rules.predicate
def is_company_member(user, company) -> bool:
    return _membership(user, company) is not None


@rules.predicate
def is_company_owner(user, company) -> bool:
    membership = _membership(user, company)
    return membership is not None and membership.role == CompanyMembership.Role.OWNER


rules.add_perm("portal.view_company", is_company_member | is_admin)
rules.add_perm("portal.change_company", is_company_owner | is_admin)
rules.add_perm("portal.invite_to_company", is_company_owner)
rules.add_perm("portal.decide_join_request", is_company_owner)
rules.add_perm("portal.appoint_owner", is_company_owner)
rules.add_perm("portal.use_officer_desk", is_any_program_officer | is_admin)
rules.add_perm("portal.decide_company_claim", is_any_program_officer | is_admin)
rules.add_perm("portal.use_reviewer_desk", is_reviewer)
