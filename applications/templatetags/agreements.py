"""Template tags about agreements, for pages whose view is allauth's (the re-authentication
before a signature)."""

from __future__ import annotations

import re

from django import template

from applications.models import Agreement

register = template.Library()


@register.simple_tag(takes_context=True)
def signing_party(context, next_url) -> str:
    """Whose signature a re-authentication before /agreements/<pk>/sign/ is for: "agency"
    when the person countersigns for the managing agency, "partner" when they sign for a
    three-party agreement's paying partner, "company" when they sign for the company, ""
    when the page that asked is not a signature."""
    match = re.fullmatch(r"/agreements/(\d+)/sign/", next_url or "")
    if not match:
        return ""
    agreement = Agreement.objects.filter(pk=match[1]).first()
    user = context["request"].user
    if agreement is not None and user.has_perm("applications.countersign_agreement", agreement):
        return "agency"
    if agreement is not None and user.has_perm("applications.sign_agreement_for_partner", agreement):
        return "partner"
    return "company"
