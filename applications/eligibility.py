"""The eligibility rules engine (요건검토).

Each rule kind is a pure function of the rule's parameters and the facts about a company
(and, once it applies, its application). Every result is pass / fail / needs evidence with
a sentence in Korean and in English, and the inputs it saw, so that the result stored at
submission explains itself later.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Callable

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from applications import size_standards
from applications.models import DocumentKind, EligibilityRule, RuleKind
from portal import codelists, enterprise
from portal.formatting import korean_date, plain_number
from portal.korean import won_units as won
from portal.models import Certification, Company, Region

PASS, FAIL, NEEDS_EVIDENCE = "pass", "fail", "needs_evidence"
BAN_REGISTER = "ban_register"

# 중소기업기본법: total assets of 5,000억 or more is never an SME.
DEFAULT_ASSETS_LIMIT = 500_000_000_000
EXCLUSION_ITEMS = ("closed_business", "tax_arrears", "loan_default", "participation_ban")
INDEPENDENCE_ITEMS = ("in_restricted_group", "owned_by_large_company")
# The declaration every call carries: is the same project supported by another agency? (The
# portal sees only its own grants; the rows are applications.models.OtherAgencySupport.)
OTHER_SUPPORT = "other_support"


@dataclass(frozen=True)
class PriorGrant:
    """A grant the company holds or held: which program, decided on which day, still running."""

    program_id: int
    program_name: str
    call_code: str
    decided_on: datetime.date
    running: bool


@dataclass(frozen=True)
class Ban:
    """A ban in the register (applications.models.ParticipationBan): `ends_on` is its last day
    as the periods module computes it; `programs` the programs it bars, by id, with their
    Korean and English names, or None when it bars every program."""

    reason: str
    starts_on: datetime.date
    ends_on: datetime.date
    legal_ground: str = ""
    programs: dict[int, tuple[str, str]] | None = None

    def applies(self, *, program_id: int | None, on: datetime.date) -> bool:
        in_scope = self.programs is None or program_id in self.programs
        return in_scope and self.starts_on <= on <= self.ends_on


@dataclass(frozen=True)
class Facts:
    """What the rules look at. Built from the company, and from the application when there
    is one, as of the call's basis date (공고일, 마감일 or 신청일)."""

    company: Company
    basis_date: datetime.date
    declarations: dict = field(default_factory=dict)
    uploaded_kinds: frozenset[str] = frozenset()
    other_application_exists: bool = False
    program_id: int | None = None
    prior_grants: tuple[PriorGrant, ...] = ()
    bans: tuple[Ban, ...] = ()
    partner_lists: dict = field(default_factory=dict)  # list id → (list name, frozenset of business numbers)
    # Size-table lookups made while evaluating (each message is made in two languages and the
    # snapshot reads the same ceiling): one query per table, not one per use.
    ceilings: dict = field(default_factory=dict, compare=False, repr=False)

    def ceiling(self, scale: str) -> size_standards.Ceiling:
        if scale not in self.ceilings:
            self.ceilings[scale] = size_standards.industry_ceiling(self.company.ksic_code, scale=scale, on=self.basis_date)
        return self.ceilings[scale]


@dataclass
class RuleResult:
    kind: str
    outcome: str
    is_hard: bool
    message_ko: str
    message_en: str
    inputs: dict
    group: str = ""
    points: str = "0"
    # The outcome of the rule's either-or group (its own outcome when it has no group).
    group_outcome: str = ""

    @property
    def message(self) -> str:
        return self.message_en if translation.get_language() == "en" else self.message_ko

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def blocks(self) -> bool:
        """A hard rule whose group (or itself) does not pass stops the submission."""
        return self.is_hard and (self.group_outcome or self.outcome) != PASS

    @property
    def excludes(self) -> bool:
        """A hard rule whose group (or itself) fails outright: the company cannot apply."""
        return self.is_hard and (self.group_outcome or self.outcome) == FAIL

    def as_dict(self) -> dict:
        return asdict(self)


def _both(make: Callable[[], tuple[str, str]]) -> tuple[str, str, str]:
    """Run `make` in Korean and in English; it returns (outcome, message)."""
    with translation.override("ko"):
        outcome, korean = make()
    with translation.override("en"):
        _outcome, english = make()
    return outcome, korean, english


def _sme_size(params: dict, facts: Facts) -> tuple[str, str]:
    """중소기업기본법 §2, 시행령 §3 and §7, 별표1/별표3 (portal/enterprise.py, applications/size_standards.py)."""
    company = facts.company
    scale = params.get("scale", "sme")
    average = enterprise.company_average_revenue(company)
    ceiling = facts.ceiling(scale)
    table = _("the small-business table (별표3)") if scale == "small" else _("the SME table (별표1)")
    if ceiling.revenue_limit is None:
        return NEEDS_EVIDENCE, _("Industry %(code)s is not in %(table)s; the SME confirmation (중소기업확인서) decides.") % {
            "code": codelists.ksic_label(company.ksic_code), "table": table}
    if average.amount is None:
        return NEEDS_EVIDENCE, _("The company has no closed business year yet; the SME confirmation (중소기업확인서) decides.")
    how = _average_explained(average)
    if average.amount > ceiling.revenue_limit:
        return FAIL, _("%(how)s is %(average)s, over the ceiling of %(limit)s for %(code)s in %(table)s.") % {
            "how": how, "average": won(average.amount), "limit": won(ceiling.revenue_limit), "code": codelists.ksic_label(ceiling.matched_code),
            "table": table}
    assets_limit = ceiling.assets_limit or DEFAULT_ASSETS_LIMIT
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
    return PASS, _("%(how)s is %(average)s, within the ceiling of %(limit)s for %(code)s, and total assets of %(assets)s are under %(assets_limit)s.") % {
        "how": how, "average": won(average.amount), "limit": won(ceiling.revenue_limit), "code": codelists.ksic_label(ceiling.matched_code),
        "assets": won(company.total_assets), "assets_limit": won(assets_limit)}


def _average_explained(average: enterprise.AverageRevenue) -> str:
    if average.method == enterprise.THREE_YEARS:
        return _("The average revenue of %(first)d–%(last)d") % {"first": average.years[0], "last": average.years[-1]}
    if average.method == enterprise.FULL_YEARS:
        if len(average.years) == 1:
            return _("The revenue of %(year)d, the only full business year,") % {"year": average.years[0]}
        return _("The average revenue of the full business years %(first)d–%(last)d") % {"first": average.years[0], "last": average.years[-1]}
    return _("The revenue of %(year)d annualised over %(months)d months") % {"year": average.years[0], "months": average.months}


def _industry(params: dict, facts: Facts) -> tuple[str, str]:
    divisions = set(params.get("divisions", []))
    division = facts.company.ksic_code[:3]
    code = codelists.ksic_label(facts.company.ksic_code)
    if division in divisions:
        return PASS, _("Industry %(code)s is among the industries this call supports.") % {"code": code}
    return FAIL, _("Industry %(code)s is not among the industries this call supports (%(allowed)s).") % {
        "code": code, "allowed": codelists.divisions_label(sorted(divisions))}


def _region(params: dict, facts: Facts) -> tuple[str, str]:
    regions = params.get("regions", [])
    names = ", ".join(str(Region(r).label) for r in regions if r in Region.values)
    if facts.company.region in regions:
        return PASS, _("The company's site is in %(region)s, a region this call covers.") % {
            "region": Region(facts.company.region).label}
    return FAIL, _("The company's site is in %(region)s; this call covers only %(regions)s.") % {
        "region": Region(facts.company.region).label, "regions": names}


def _max_age(params: dict, facts: Facts) -> tuple[str, str]:
    """창업 후 N년이 지나지 아니한 (중소기업창업 지원법 §2): passed on the anniversary.
    With `min_years`, at least that many full years of business (업력) are asked as well."""
    founded = facts.company.founded_on
    on = facts.basis_date
    full = enterprise.full_years_since(founded, on)
    values = {"founded": _date(founded), "on": _date(on), "age": full}
    min_years = params.get("min_years")
    if min_years is not None and full < int(min_years):
        return FAIL, _("Founded %(founded)s: %(age)d full years on %(on)s, fewer than the %(min)d years asked.") % {**values, "min": int(min_years)}
    if params.get("years") is None:
        return PASS, _("Founded %(founded)s: %(age)d full years on %(on)s, at least the %(min)d years asked.") % {**values, "min": int(min_years)}
    years = int(params["years"])
    last = enterprise.startup_last_day(founded, years)
    values.update(years=years, last=_date(last))
    if on <= last:
        return PASS, _("Founded %(founded)s: on %(on)s, %(years)d years have not yet passed (they pass after %(last)s).") % values
    return FAIL, _("Founded %(founded)s: on %(on)s, %(years)d years have passed (the last day within them was %(last)s).") % values


def _date(day: datetime.date) -> str:
    return korean_date(day) if translation.get_language() == "ko" else day.isoformat()


def _employees(params: dict, facts: Facts) -> tuple[str, str]:
    """상시근로자 수 as the company declares it (중소기업기본법 시행령 §3 ②: the average of the
    monthly counts of the last business year; the 4대보험 roster is the evidence)."""
    low, high = params.get("min"), params.get("max")
    count = facts.company.employees
    if low is not None and count < int(low):
        return FAIL, _("%(count)d regular employees, fewer than the %(low)d this call asks for.") % {"count": count, "low": int(low)}
    if high is not None and count > int(high):
        return FAIL, _("%(count)d regular employees, more than the %(high)d this call allows.") % {"count": count, "high": int(high)}
    return PASS, _("%(count)d regular employees, within the range this call asks for.") % {"count": count}


def _ksic(params: dict, facts: Facts) -> tuple[str, str]:
    """KSIC codes allowed (any prefix listed: section, division, group, class or sub-class)
    and excluded (a deny prefix wins over an allow prefix)."""
    code = facts.company.ksic_code
    label = codelists.ksic_label(code)
    denied = next((p for p in params.get("deny", []) if code.startswith(p)), None)
    if denied:
        return FAIL, _("Industry %(code)s is excluded from this call (%(prefix)s).") % {"code": label, "prefix": codelists.ksic_label(denied)}
    allow = params.get("allow", [])
    if allow and not any(code.startswith(p) for p in allow):
        return FAIL, _("Industry %(code)s is not among the industry codes this call supports (%(allowed)s).") % {
            "code": label, "allowed": ", ".join(codelists.ksic_label(p) for p in allow)}
    return PASS, _("Industry %(code)s is among the industry codes this call supports.") % {"code": label}


def _location(params: dict, facts: Facts) -> tuple[str, str]:
    """시·도 or 시·군·구 of the site or the headquarters, by the administrative district codes
    (portal/codelists): a 시·도 covers its 시·군·구, and a city with 일반구 its 구 (창원시 48120
    covers 창원시 성산구 48123)."""
    basis = params.get("basis", "site")
    region, sigungu = facts.company.place(basis)
    codes = params.get("codes", [])
    where = _("The headquarters") if basis == "headquarters" else _("The site")
    place = codelists.district_name(sigungu or region)
    if any(codelists.covers(c, sigungu, sido=region) for c in codes):
        return PASS, _("%(where)s (%(place)s) is in the area this call covers.") % {"where": where, "place": place}
    if not sigungu and any(len(c) == 5 and c.startswith(region) for c in codes):
        return NEEDS_EVIDENCE, _("%(where)s's city, county or district is not in the company profile; add it so the area can be checked.") % {"where": where}
    return FAIL, _("%(where)s (%(place)s) is outside the area this call covers (%(codes)s).") % {
        "where": where, "place": place, "codes": areas_label(codes)}


def areas_label(codes: list[str]) -> str:
    """The areas a rule names, by name: 경상남도 창원시, 강원특별자치도."""
    return ", ".join(codelists.district_name(c) for c in codes)


def _prior_funding(params: dict, facts: Facts) -> tuple[str, str]:
    """중복수혜: a grant from the same program (or any listed program) decided within the
    last `years` years before the basis date, or still running when `concurrent` is set."""
    programs = set(params.get("programs", []))
    scope = params.get("scope", "same_program")
    years = params.get("years")
    concurrent = params.get("concurrent", False)

    def in_scope(grant: PriorGrant) -> bool:
        if scope == "any":
            return True
        if scope == "programs":
            return grant.program_id in programs
        return grant.program_id == facts.program_id

    since = enterprise.years_before(facts.basis_date, int(years)) if years else None
    for grant in facts.prior_grants:
        if not in_scope(grant):
            continue
        if since is not None and grant.decided_on > since:  # on the anniversary N years have passed
            return FAIL, _("The company was funded by %(program)s (%(call)s) on %(day)s, within the last %(years)d years.") % {
                "program": grant.program_name, "call": grant.call_code, "day": _date(grant.decided_on), "years": int(years)}
        if concurrent and grant.running:
            return FAIL, _("The company's project funded by %(program)s (%(call)s) is still running; this call does not fund two at once.") % {
                "program": grant.program_name, "call": grant.call_code}
    return PASS, _("No earlier funding that this call excludes.")


def _partner_list(params: dict, facts: Facts) -> tuple[str, str]:
    name, numbers = facts.partner_lists.get(params.get("list"), ("", frozenset()))
    if facts.company.business_number in numbers:
        return PASS, _("The company is on %(list)s.") % {"list": name}
    return FAIL, _("Only companies nominated on %(list)s may apply; this company is not on it.") % {"list": name or "-"}


def participation_ban_result(facts: Facts) -> RuleResult:
    """The register every call consults: a ban in force on the basis date that bars every
    program, or this call's program, excludes."""
    def make() -> tuple[str, str]:
        for ban in facts.bans:
            if ban.applies(program_id=facts.program_id, on=facts.basis_date):
                return FAIL, _ban_sentence(ban)
        if facts.bans:
            return PASS, _("No participation ban in the register applies to this call on %(date)s.") % {"date": _date(facts.basis_date)}
        return PASS, _("The company is not in the participation-ban register.")

    outcome, korean, english = _both(make)
    return RuleResult(kind=BAN_REGISTER, outcome=outcome, is_hard=True, message_ko=korean, message_en=english,
                      inputs={"basis_date": facts.basis_date.isoformat(), "program": facts.program_id,
                              "bans": [{"reason": b.reason, "legal_ground": b.legal_ground, "starts_on": b.starts_on.isoformat(),
                                        "ends_on": b.ends_on.isoformat(), "programs": None if b.programs is None else sorted(b.programs)}
                                       for b in facts.bans]},
                      group_outcome=outcome)


def _ban_sentence(ban: Ban) -> str:
    values = {"start": _date(ban.starts_on), "end": _date(ban.ends_on), "reason": ban.reason, "ground": ban.legal_ground,
              "programs": ", ".join(en if translation.get_language() == "en" else ko for ko, en in (ban.programs or {}).values())}
    if not ban.legal_ground:  # recorded before the register kept the ground
        if ban.programs is None:
            return _("The company is barred from participation from %(start)s to %(end)s: %(reason)s") % values
        return _("The company is barred from these programs from %(start)s to %(end)s: %(programs)s. Reason: %(reason)s") % values
    if ban.programs is None:
        return _("Under %(ground)s the company is barred from every support program from %(start)s to %(end)s. Reason: %(reason)s") % values
    return _("Under %(ground)s the company is barred from these programs from %(start)s to %(end)s: %(programs)s. Reason: %(reason)s") % values


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


def evaluate_rule(rule: EligibilityRule, facts: Facts) -> RuleResult:
    outcome, korean, english = _both(lambda: RULE_KINDS[rule.kind].check(rule.params, facts))
    return RuleResult(
        kind=rule.kind,
        outcome=outcome,
        is_hard=rule.is_hard,
        message_ko=korean,
        message_en=english,
        inputs=_inputs_seen(rule, facts),
        group=rule.group,
        points=plain_number(rule.points) if rule.points else "0",
        group_outcome=outcome,
    )


def _combine(outcomes: list[str]) -> str:
    """An either-or group: passes if one member passes; otherwise needs evidence if one
    member does; otherwise fails."""
    if PASS in outcomes:
        return PASS
    if NEEDS_EVIDENCE in outcomes:
        return NEEDS_EVIDENCE
    return FAIL


def evaluate(rules: list[EligibilityRule], facts: Facts) -> list[RuleResult]:
    """Every rule of the call, in order, with each either-or group resolved, then the
    participation-ban register that every call consults."""
    results = [evaluate_rule(rule, facts) for rule in rules]
    groups: dict[str, list[RuleResult]] = {}
    for result in results:
        if result.group:
            groups.setdefault(result.group, []).append(result)
    for members in groups.values():
        outcome = _combine([m.outcome for m in members])
        for member in members:
            member.group_outcome = outcome
    results.append(participation_ban_result(facts))
    return results


def bonus_points(results: list[RuleResult]) -> Decimal:
    """가점 from soft rules that the company meets."""
    return sum((Decimal(r.points) for r in results if not r.is_hard and r.outcome == PASS), Decimal(0))


def _inputs_seen(rule: EligibilityRule, facts: Facts) -> dict:
    """The snapshot stored with the application: the parameters and the facts the rule read."""
    return {"params": rule.params, "basis_date": facts.basis_date.isoformat(), **RULE_KINDS[rule.kind].inputs(rule.params or {}, facts)}


def _sme_size_inputs(params: dict, facts: Facts) -> dict:
    company = facts.company
    average = enterprise.company_average_revenue(company)
    ceiling = facts.ceiling(params.get("scale", "sme"))
    return dict(
        ksic_code=company.ksic_code,
        founded_on=company.founded_on.isoformat(),
        fiscal_year=company.fiscal_year,
        revenues=[company.revenue_latest, company.revenue_previous, company.revenue_before_previous],
        average_revenue=average.amount,
        average_method=average.method,
        average_years=list(average.years),
        ceiling={"code": ceiling.matched_code, "revenue_limit": ceiling.revenue_limit, "assets_limit": ceiling.assets_limit,
                 "table": ceiling.scale, "version_date": ceiling.version_date.isoformat() if ceiling.version_date else None,
                 "source": ceiling.source},
        total_assets=company.total_assets,
        declarations={k: facts.declarations.get(k) for k in INDEPENDENCE_ITEMS},
        sme_certificate_uploaded=DocumentKind.SME_CERTIFICATE in facts.uploaded_kinds,
    )


def _location_inputs(params: dict, facts: Facts) -> dict:
    region, sigungu = facts.company.place(params.get("basis", "site"))
    return {"region": region, "sigungu": sigungu}


def _prior_funding_inputs(params: dict, facts: Facts) -> dict:
    return {"prior_grants": [{"program": g.program_id, "call": g.call_code, "decided_on": g.decided_on.isoformat(), "running": g.running}
                             for g in facts.prior_grants]}


def codes_not_on_lists(kind: str, params: dict) -> list[str]:
    """The region and industry codes a rule names that the official lists (portal/codelists)
    do not have in force: a code mistyped, or retired since the rule was written."""
    return RULE_KINDS[kind].codes_off_list(params or {})


def _no_codes(params: dict) -> list[str]:
    return []


def expand_divisions(text: str) -> list[str]:
    """'C10-C34, J58' → ['C10', …, 'C34', 'J58']. Raises ValueError on bad input."""
    divisions: list[str] = []
    for part in (p.strip().upper() for p in text.replace("\n", ",").split(",")):
        if not part:
            continue
        if "-" in part:
            start, end = (x.strip() for x in part.split("-", 1))
            if len(start) != 3 or len(end) != 3 or start[0] != end[0] or not ((start[1:] + end[1:]).isascii() and (start[1:] + end[1:]).isdigit()):
                raise ValueError(part)
            low, high = int(start[1:]), int(end[1:])
            if low > high:
                raise ValueError(part)
            divisions.extend(f"{start[0]}{n:02d}" for n in range(low, high + 1))
        else:
            if len(part) != 3 or not part.isascii() or not part[0].isalpha() or not part[1:].isdigit():
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


def describe_rule(rule: EligibilityRule, *, program_names: dict | None = None, list_names: dict | None = None) -> str:
    """The rule's parameters in words, for the officer's set-up page and the public call page."""
    return RULE_KINDS[rule.kind].describe(rule.params or {}, {"programs": program_names or {}, "lists": list_names or {}})


def _describe_sme_size(params: dict, names: dict) -> str:
    return (_("A small business (소기업) by the table in force, total assets under 5,000억 and independent")
            if params.get("scale") == "small" else
            _("An SME (중소기업) by the table in force, total assets under 5,000억 and independent"))


def _describe_ksic(params: dict, names: dict) -> str:
    parts = []
    if params.get("allow"):
        parts.append(_("codes starting %(codes)s") % {"codes": ", ".join(codelists.ksic_label(c) for c in params["allow"])})
    if params.get("deny"):
        parts.append(_("except %(codes)s") % {"codes": ", ".join(codelists.ksic_label(c) for c in params["deny"])})
    return "; ".join(parts)


def _describe_location(params: dict, names: dict) -> str:
    where = _("headquarters") if params.get("basis") == "headquarters" else pgettext("where a company operates", "site")
    return _("%(where)s in %(codes)s") % {"where": where, "codes": areas_label(params.get("codes", []))}


def _describe_max_age(params: dict, names: dict) -> str:
    parts = []
    if params.get("years") is not None:
        parts.append(_("%(years)s years since founding not yet passed") % {"years": params["years"]})
    if params.get("min_years") is not None:
        parts.append(_("at least %(years)s full years in business") % {"years": params["min_years"]})
    return "; ".join(parts)


def _describe_employees(params: dict, names: dict) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return _("%(low)s to %(high)s regular employees") % {"low": low, "high": high}
    if low is not None:
        return _("at least %(low)s regular employees") % {"low": low}
    return _("at most %(high)s regular employees") % {"high": high}


def _describe_exclusions(params: dict, names: dict) -> str:
    labels = exclusion_labels()
    return ", ".join(labels[i] for i in params.get("items", EXCLUSION_ITEMS) if i in labels)


def _describe_prior_funding(params: dict, names: dict) -> str:
    scope = params.get("scope", "same_program")
    if scope == "programs":
        what = ", ".join(names["programs"].get(p, str(p)) for p in params.get("programs", []))
    elif scope == "any":
        what = _("any program on the portal")
    else:
        what = _("this program")
    parts = []
    if params.get("years"):
        parts.append(_("not funded by %(what)s in the last %(years)s years") % {"what": what, "years": params["years"]})
    if params.get("concurrent"):
        parts.append(_("no project of %(what)s running") % {"what": what})
    return "; ".join(parts)


@dataclass(frozen=True)
class RuleKindSpec:
    """What one kind of rule is: its check (outcome and message, which the company's
    self-check shows too), the facts it reads (kept with the application), its parameters in
    words, and the codes it names that the official lists lack. Its parameters form is
    applications/forms.py's RULE_PARAMS entry of the same kind."""

    check: Callable[[dict, Facts], tuple[str, str]]
    inputs: Callable[[dict, Facts], dict]
    describe: Callable[[dict, dict], str]
    codes_off_list: Callable[[dict], list[str]] = _no_codes


RULE_KINDS: dict[str, RuleKindSpec] = {
    RuleKind.SME_SIZE: RuleKindSpec(_sme_size, _sme_size_inputs, _describe_sme_size),
    RuleKind.INDUSTRY: RuleKindSpec(
        _industry, lambda p, f: {"ksic_code": f.company.ksic_code},
        lambda p, n: _("Industry divisions %(divisions)s") % {"divisions": codelists.divisions_label(p.get("divisions", []))},
        lambda p: [code for code in p.get("divisions", []) if not codelists.is_ksic_code(code)]),
    RuleKind.KSIC: RuleKindSpec(
        _ksic, lambda p, f: {"ksic_code": f.company.ksic_code}, _describe_ksic,
        lambda p: [code for code in [*p.get("allow", []), *p.get("deny", [])] if not codelists.is_ksic_code(code)]),
    RuleKind.REGION: RuleKindSpec(
        _region, lambda p, f: {"region": f.company.region},
        lambda p, n: ", ".join(str(Region(r).label) for r in p.get("regions", []) if r in Region.values),
        lambda p: [code for code in p.get("regions", []) if not codelists.is_sido(code)]),
    RuleKind.LOCATION: RuleKindSpec(
        _location, _location_inputs, _describe_location,
        lambda p: [code for code in p.get("codes", []) if not (codelists.is_sido(code) or codelists.is_sigungu(code))]),
    RuleKind.MAX_AGE: RuleKindSpec(_max_age, lambda p, f: {"founded_on": f.company.founded_on.isoformat()}, _describe_max_age),
    RuleKind.EMPLOYEES: RuleKindSpec(_employees, lambda p, f: {"employees": f.company.employees}, _describe_employees),
    RuleKind.CERTIFICATION: RuleKindSpec(
        _certification,
        lambda p, f: {"certifications": list(f.company.certifications), "evidence_uploaded": DocumentKind.BONUS_EVIDENCE in f.uploaded_kinds},
        lambda p, n: ", ".join(str(Certification(c).label) for c in p.get("any_of", []) if c in Certification.values)),
    RuleKind.EXCLUSIONS: RuleKindSpec(
        _exclusions, lambda p, f: {"declarations": {k: f.declarations.get(k) for k in EXCLUSION_ITEMS}}, _describe_exclusions),
    RuleKind.PRIOR_FUNDING: RuleKindSpec(_prior_funding, _prior_funding_inputs, _describe_prior_funding),
    RuleKind.PARTNER_LIST: RuleKindSpec(
        _partner_list, lambda p, f: {"business_number": f.company.business_number},
        lambda p, n: _("on the list %(name)s") % {"name": n["lists"].get(p.get("list"), p.get("list"))}),
    RuleKind.ONE_PER_CALL: RuleKindSpec(
        _one_per_call, lambda p, f: {"other_application_exists": f.other_application_exists}, lambda p, n: _("one application per company")),
}
