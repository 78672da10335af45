"""Budget arithmetic (사업비): everything is computed on the server from the line items and
the grant requested, in whole won, and every limit that is hit says by how much."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.formatting import won

BP = 10_000  # basis points in a whole


@dataclass(frozen=True)
class BudgetRules:
    max_grant: int
    max_grant_share_bp: int
    min_cash_share_bp: int
    # Three-party funding (상생형 스마트공장, 자상한 기업): the partner company pays at least
    # this share of the total cost; 0 means the call has no partner share.
    min_partner_share_bp: int = 0
    # …and the SME itself pays at most this share (10000: no cap).
    max_company_share_bp: int = 10_000


@dataclass
class Budget:
    total: int
    grant: int
    in_kind: int
    company_share: int
    cash: int
    max_grant_allowed: int
    min_cash_required: int
    partner: int = 0
    min_partner_required: int = 0
    errors: list[str] = field(default_factory=list)
    # Those of the errors that concern the grant requested (its field carries them).
    grant_errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    # A share is never shown below zero: the totals say "none" and by how much the other
    # parts pass it, and the errors say what to change.
    @property
    def company_share_excess(self) -> int:
        """By how much the grant and the partner's share pass the total cost (0 if they do not)."""
        return max(-self.company_share, 0)

    @property
    def in_kind_excess(self) -> int:
        """By how much the in-kind lines pass the company's share (0 if they do not)."""
        return max(self.in_kind - max(self.company_share, 0), 0)


def rules_of(application) -> BudgetRules:
    """The call's limits for this application (its support level's cap, if it has one).
    The form, the submission and the agreement's terms all judge by these."""
    call = application.call
    cap = application.support_level.max_grant if application.support_level_id else call.max_grant
    return BudgetRules(max_grant=min(cap, call.max_grant), max_grant_share_bp=call.max_grant_share_bp,
                       min_cash_share_bp=call.min_cash_share_bp, min_partner_share_bp=call.min_partner_share_bp,
                       max_company_share_bp=call.max_company_share_bp)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def compute_budget(*, rules: BudgetRules, line_amounts: list[tuple[int, bool]], grant: int, partner: int = 0) -> Budget:
    """`line_amounts` is [(amount, is_in_kind), …]. Integer arithmetic only: a share cap
    rounds down in the company's disfavour by less than one won, never up. The company's
    share is what neither the government nor (in three-party funding) the partner pays."""
    total = sum(amount for amount, _in_kind in line_amounts)
    in_kind = sum(amount for amount, is_in_kind in line_amounts if is_in_kind)
    company_share = total - grant - partner
    cash = company_share - in_kind
    share_cap = total * rules.max_grant_share_bp // BP
    max_allowed = min(rules.max_grant, share_cap)
    min_cash = ceil_div(max(company_share, 0) * rules.min_cash_share_bp, BP)
    min_partner = ceil_div(max(total, 0) * rules.min_partner_share_bp, BP)
    budget = Budget(total, grant, in_kind, company_share, cash, max_allowed, min_cash, partner=partner, min_partner_required=min_partner)

    if total <= 0:
        budget.errors.append(_("Add at least one budget line with an amount."))
        return budget
    if grant < 0:
        budget.grant_errors.append(_("The grant requested cannot be negative."))
    if grant > rules.max_grant:
        budget.grant_errors.append(
            _("The grant requested, %(grant)s, is over the cap of %(cap)s by %(over)s.")
            % {"grant": won(grant), "cap": won(rules.max_grant), "over": won(grant - rules.max_grant)}
        )
    if grant > share_cap:
        budget.grant_errors.append(
            _("The grant requested, %(grant)s, is over %(pct)s of the total cost (%(cap)s) by %(over)s.")
            % {"grant": won(grant), "pct": _percent(rules.max_grant_share_bp), "cap": won(share_cap), "over": won(grant - share_cap)}
        )
    budget.errors.extend(budget.grant_errors)
    if partner < 0:
        budget.errors.append(_("The partner company's share cannot be negative."))
    elif rules.min_partner_share_bp == 0 and partner > 0:
        budget.errors.append(_("This call has no partner company share; leave it at 0."))
    elif rules.min_partner_share_bp and partner < min_partner:
        budget.errors.append(
            _("The partner company's share, %(partner)s, must be at least %(pct)s of the total cost (%(min)s): %(short)s short.")
            % {"partner": won(partner), "pct": _percent(rules.min_partner_share_bp), "min": won(min_partner), "short": won(min_partner - partner)}
        )
    company_cap = total * rules.max_company_share_bp // BP
    if rules.max_company_share_bp < BP and company_share > company_cap:
        budget.errors.append(
            _("The company's own share, %(share)s, may be at most %(pct)s of the total cost (%(cap)s): %(over)s over.")
            % {"share": won(company_share), "pct": _percent(rules.max_company_share_bp), "cap": won(company_cap), "over": won(company_share - company_cap)}
        )
    if cash < 0 and partner:
        budget.errors.append(
            _("The grant, the partner company's share and the in-kind lines together exceed the total cost by %(over)s.") % {"over": won(-cash)}
        )
    elif cash < 0:
        budget.errors.append(
            _("The grant and the in-kind lines together exceed the total cost by %(over)s.") % {"over": won(-cash)}
        )
    elif cash < min_cash:
        budget.errors.append(
            _("The company's cash share, %(cash)s, must be at least %(pct)s of the company share (%(min)s): %(short)s short.")
            % {"cash": won(cash), "pct": _percent(rules.min_cash_share_bp), "min": won(min_cash), "short": won(min_cash - cash)}
        )
    return budget


def _percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"
