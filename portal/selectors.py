"""Reads, already narrowed to what the person may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from portal.models import Company, CompanyJoinRequest, CompanyMembership, User


def companies_for_user(user: User) -> QuerySet[Company]:
    return (
        Company.objects.filter(memberships__user=user)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name")
    )


def company_for_user(user: User, pk: int, *, perm: str = "portal.view_company", for_update: bool = False) -> Company:
    """The one way views reach a company: 404 when the person is not a member (nothing is
    revealed), 403 when they are but lack `perm`."""
    queryset = Company.objects.all()
    if for_update:
        queryset = queryset.select_for_update()
    company = queryset.filter(pk=pk).first()
    if company is None or not user.has_perm("portal.view_company", company):
        raise Http404(_("No such company."))
    if perm != "portal.view_company" and not user.has_perm(perm, company):
        raise PermissionDenied(_("Only the company's owner may do this."))
    return company


def memberships_of(company: Company) -> QuerySet[CompanyMembership]:
    return company.memberships.select_related("user").order_by("-role", "created_at")


def pending_join_requests(company: Company) -> QuerySet[CompanyJoinRequest]:
    return company.join_requests.filter(status=CompanyJoinRequest.Status.PENDING).select_related("user")
