"""The eligibility rules engine (요건검토).

Each rule kind is a pure function of the rule's parameters and the facts about a company
(and, once it applies, its application). Every result is pass / fail / needs evidence with
a sentence in Korean and in English, and the inputs it saw, so that the result stored at
submission explains itself later.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from applications.models import DocumentKind, EligibilityRule, RuleKind
from portal.formatting import won
from portal.models import Certification, Company, Region

PASS, FAIL, NEEDS_EVIDENCE = "pass", "fail", "needs_evidence"

# 중소기업기본법: total assets of 5,000억 or more is never an SME.
DEFAULT_ASSETS_LIMIT = 500_000_000_000
EXCLUSION_ITEMS = ("closed_business", "tax_arrears", "loan_default", "participation_ban")
INDEPENDENCE_ITEMS = ("in_restricted_group", "owned_by_large_company")


@dataclass(frozen=True)
class Facts:
    """What the rules look at. Built from the company, and from the application when there is one."""

    company: Company
    today: datetime.date
    declarations: dict = field(default_factory=dict)
    uploaded_kinds: frozenset[str] = frozenset()
    other_application_exists: bool = False


@dataclass
class RuleResult:
    kind: str
    outcome: str
    is_hard: bool
    message_ko: str
    message_en: str
    inputs: dict

    @property
    def message(self) -> str:
        return self.message_en if translation.get_language() == "en" else self.message_ko

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    def as_dict(self) -> dict:
        return asdict(self)


def _both(make: Callable[[], tuple[str, str]]) -> tuple[str, str, str]:
    """Run `make` in Korean and in English; it returns (outcome, message)."""
    with translation.override("ko"):
        outcome, korean = make()
    with translation.override("en"):
        _outcome, english = make()
    return outcome, korean, english


def _best_limit(limits: dict, ksic: str) -> int | None:
    """The revenue limit for the longest KSIC prefix listed, else the default."""
    for length in range(len(ksic), 0, -1):
        if ksic[:length] in limits:
            return int(limits[ksic[:length]])
    return int(limits["default"]) if "default" in limits else None


def _sme_size(params: dict, facts: Facts) -> tuple[str, str]:
    company = facts.company
    average = company.average_revenue
    limit = _best_limit(params.get("revenue_limits", {}), company.ksic_code)
    assets_limit = int(params.get("assets_limit", DEFAULT_ASSETS_LIMIT))
    if limit is not None and average > limit:
        return FAIL, _("The three-year average revenue of %(average)s is over this industry's limit of %(limit)s.") % {
            "average": won(average), "limit": won(limit)}
    if company.total_assets >= assets_limit:
        return FAIL, _("Total assets of %(assets)s reach the limit of %(limit)s.") % {
            "assets": won(company.total_assets), "limit": won(assets_limit)}
    declared = [item for item in INDEPENDENCE_ITEMS if facts.declarations.get(item) is True]
    if declared:
        # xgettext:no-python-format
        return FAIL, _("The company declared that it is not independent (part of a large group or owned 30% or more by a large company).")
    if any(item not in facts.declarations for item in INDEPENDENCE_ITEMS):
        return NEEDS_EVIDENCE, _("Size is within the limits; declare the company's independence in the application.")
    if DocumentKind.SME_CERTIFICATE not in facts.uploaded_kinds:
        return NEEDS_EVIDENCE, _("Size is within the limits; upload the SME confirmation (중소기업확인서) as evidence.")
    return PASS, _("Three-year average revenue %(average)s is within the limit and total assets %(assets)s are under %(limit)s.") % {
        "average": won(average), "assets": won(company.total_assets), "limit": won(assets_limit)}


def _industry(params: dict, facts: Facts) -> tuple[str, str]:
    divisions = set(params.get("divisions", []))
    division = facts.company.ksic_code[:3]
    if division in divisions:
        return PASS, _("Industry %(code)s is among the industries this call supports.") % {"code": facts.company.ksic_code}
    return FAIL, _("Industry %(code)s is not among the industries this call supports (%(allowed)s).") % {
        "code": facts.company.ksic_code, "allowed": summarize_divisions(sorted(divisions))}


def _region(params: dict, facts: Facts) -> tuple[str, str]:
    regions = params.get("regions", [])
    names = ", ".join(str(Region(r).label) for r in regions if r in Region.values)
    if facts.company.region in regions:
        return PASS, _("The company's site is in %(region)s, a region this call covers.") % {
            "region": Region(facts.company.region).label}
    return FAIL, _("The company's site is in %(region)s; this call covers only %(regions)s.") % {
        "region": Region(facts.company.region).label, "regions": names}


def _max_age(params: dict, facts: Facts) -> tuple[str, str]:
    years = int(params["years"])
    founded = facts.company.founded_on
    age = facts.today.year - founded.year - ((facts.today.month, facts.today.day) < (founded.month, founded.day))
    if age <= years:
        return PASS, _("Founded %(founded)s: %(age)d full years, within the limit of %(years)d.") % {
            "founded": founded.isoformat(), "age": age, "years": years}
    return FAIL, _("Founded %(founded)s: %(age)d full years, more than the limit of %(years)d.") % {
        "founded": founded.isoformat(), "age": age, "years": years}


def _certification(params: dict, facts: Facts) -> tuple[str, str]:
    wanted = params.get("any_of", [])
    names = ", ".join(str(Certification(c).label) for c in wanted if c in Certification.values)
    held = [c for c in wanted if c in facts.company.certifications]
    if not held:
        return FAIL, _("The company holds none of the required certifications (%(names)s).") % {"names": names}
    if DocumentKind.BONUS_EVIDENCE not in facts.uploaded_kinds:
        return NEEDS_EVIDENCE, _("The company profile lists %(held)s; upload the certificate as evidence.") % {
            "held": ", ".join(str(Certification(c).label) for c in held)}
    return PASS, _("The company holds %(held)s.") % {"held": ", ".join(str(Certification(c).label) for c in held)}


def exclusion_labels() -> dict[str, str]:
    return {
        "closed_business": _("closed or suspended business"),
        "tax_arrears": _("unpaid national or local taxes"),
        "loan_default": _("loan default"),
        "participation_ban": _("sanctioned from participation (참여제한)"),
        "in_restricted_group": _("part of a business group under cross-shareholding restrictions (상호출자제한기업집단)"),
        # xgettext:no-python-format
        "owned_by_large_company": _("owned 30% or more by a company with total assets of 5,000억 KRW or more"),
    }


def _exclusions(params: dict, facts: Facts) -> tuple[str, str]:
    items = [i for i in params.get("items", EXCLUSION_ITEMS) if i in EXCLUSION_ITEMS]
    labels = exclusion_labels()
    hit = [labels[i] for i in items if facts.declarations.get(i) is True]
    if hit:
        return FAIL, _("Declared: %(items)s. Such companies cannot apply.") % {"items": ", ".join(hit)}
    missing = [labels[i] for i in items if i not in facts.declarations]
    if missing:
        return NEEDS_EVIDENCE, _("Declare in the application that none of these applies: %(items)s.") % {"items": ", ".join(missing)}
    if "tax_arrears" in items and DocumentKind.TAX_CLEARANCE not in facts.uploaded_kinds:
        return NEEDS_EVIDENCE, _("No exclusion declared; upload the tax clearance certificate as evidence.")
    return PASS, _("The company declared that none of the exclusions applies.")


def _one_per_call(params: dict, facts: Facts) -> tuple[str, str]:
    if facts.other_application_exists:
        return FAIL, _("The company already has an application to this call; a company applies once per call.")
    return PASS, _("The company has no other application to this call.")


EVALUATORS: dict[str, Callable[[dict, Facts], tuple[str, str]]] = {
    RuleKind.SME_SIZE: _sme_size,
    RuleKind.INDUSTRY: _industry,
    RuleKind.REGION: _region,
    RuleKind.MAX_AGE: _max_age,
    RuleKind.CERTIFICATION: _certification,
    RuleKind.EXCLUSIONS: _exclusions,
    RuleKind.ONE_PER_CALL: _one_per_call,
}


def evaluate_rule(rule: EligibilityRule, facts: Facts) -> RuleResult:
    outcome, korean, english = _both(lambda: EVALUATORS[rule.kind](rule.params, facts))
    return RuleResult(
        kind=rule.kind,
        outcome=outcome,
        is_hard=rule.is_hard,
        message_ko=korean,
        message_en=english,
        inputs=_inputs_seen(rule, facts),
    )


def evaluate(rules: list[EligibilityRule], facts: Facts) -> list[RuleResult]:
    return [evaluate_rule(rule, facts) for rule in rules]


def _inputs_seen(rule: EligibilityRule, facts: Facts) -> dict:
    """The snapshot stored with the application: the parameters and the facts the rule read."""
    company = facts.company
    seen: dict = {"params": rule.params, "today": facts.today.isoformat()}
    if rule.kind == RuleKind.SME_SIZE:
        seen.update(
            ksic_code=company.ksic_code,
            revenues=[company.revenue_latest, company.revenue_previous, company.revenue_before_previous],
            average_revenue=company.average_revenue,
            total_assets=company.total_assets,
            declarations={k: facts.declarations.get(k) for k in INDEPENDENCE_ITEMS},
            sme_certificate_uploaded=DocumentKind.SME_CERTIFICATE in facts.uploaded_kinds,
        )
    elif rule.kind == RuleKind.INDUSTRY:
        seen.update(ksic_code=company.ksic_code)
    elif rule.kind == RuleKind.REGION:
        seen.update(region=company.region)
    elif rule.kind == RuleKind.MAX_AGE:
        seen.update(founded_on=company.founded_on.isoformat())
    elif rule.kind == RuleKind.CERTIFICATION:
        seen.update(certifications=list(company.certifications), evidence_uploaded=DocumentKind.BONUS_EVIDENCE in facts.uploaded_kinds)
    elif rule.kind == RuleKind.EXCLUSIONS:
        seen.update(declarations={k: facts.declarations.get(k) for k in EXCLUSION_ITEMS})
    elif rule.kind == RuleKind.ONE_PER_CALL:
        seen.update(other_application_exists=facts.other_application_exists)
    return seen


def expand_divisions(text: str) -> list[str]:
    """'C10-C34, J58' → ['C10', …, 'C34', 'J58']. Raises ValueError on bad input."""
    divisions: list[str] = []
    for part in (p.strip().upper() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        if "-" in part:
            start, end = (x.strip() for x in part.split("-", 1))
            if len(start) != 3 or len(end) != 3 or start[0] != end[0] or not (start[1:] + end[1:]).isdigit():
                raise ValueError(part)
            low, high = int(start[1:]), int(end[1:])
            if low > high:
                raise ValueError(part)
            divisions.extend(f"{start[0]}{n:02d}" for n in range(low, high + 1))
        else:
            if len(part) != 3 or not part[0].isalpha() or not part[1:].isdigit():
                raise ValueError(part)
            divisions.append(part)
    return sorted(set(divisions))


def summarize_divisions(divisions: list[str]) -> str:
    """['C10', 'C11', …, 'C34'] → 'C10–C34' (runs of consecutive divisions collapsed)."""
    runs: list[list[str]] = []
    for code in sorted(divisions):
        if runs and runs[-1][-1][0] == code[0] and int(runs[-1][-1][1:]) + 1 == int(code[1:]):
            runs[-1].append(code)
        else:
            runs.append([code])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)
