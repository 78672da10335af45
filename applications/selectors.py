"""Reads for programs, calls and applications, narrowed to what the person may see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.eligibility import describe_rule
from applications.models import (
    INTERNAL_EVENTS,
    Agreement,
    AgreementState,
    Application,
    ApplicationEvent,
    Call,
    ClauseSet,
    FormVersion,
    PartnerList,
    PlaceOffer,
    Program,
    RequiredDocument,
    RevisionRequest,
    RuleKind,
    SelectionItem,
    Signature,
    State,
)
from applications.models.calls import open_window
from applications.status import NextStep, application_status, next_step
from portal.identifiers import format_business_number
from portal.labels import labels_of
from portal.models import Company

CLOSING_SOON_DAYS = 7


def public_open_calls(*, now) -> QuerySet[Call]:
    return Call.objects.published().open_at(now).select_related("program").order_by("closes_at")


def rules_described(rules: list) -> list:
    """The rules with `summary` set: their parameters in words (eligibility.describe_rule),
    reading the programs' and partner lists' names only when a rule names them."""

    kinds = {rule.kind for rule in rules}
    program_names = dict(Program.objects.values_list("pk", "name_ko")) if RuleKind.PRIOR_FUNDING in kinds else {}
    list_names = dict(PartnerList.objects.values_list("pk", "name")) if RuleKind.PARTNER_LIST in kinds else {}
    for rule in rules:
        rule.summary = describe_rule(rule, program_names=program_names, list_names=list_names)
    return rules


CATALOGUE_TABS = ("open", "upcoming", "closed")  # 접수중, 접수예정, 마감


def catalogue_calls(*, now, program: str = "", region: str = "", division: str = "", closing_soon: bool = False,
                    tab: str = "open", q: str = "") -> QuerySet[Call]:
    """Published calls of one tab — open (접수중), upcoming (접수예정) or closed (마감) —
    filtered in SQL so the page's query count does not grow with the number of calls.
    `q`: words that must each appear in the title, the notice, the code or the program's name
    (ILIKE, which PostgreSQL answers from the trigram indexes; a plain scan on SQLite)."""
    calls = _catalogue_filtered(Call.objects.published(), program=program, region=region, division=division, q=q)
    calls = calls.filter(_tab_timing(tab, now))
    if closing_soon and tab == "open":
        calls = calls.filter(closes_at__lte=now + datetime.timedelta(days=CLOSING_SOON_DAYS))
    order = ("-closes_at",) if tab == "closed" else ("opens_at",) if tab == "upcoming" else ("closes_at",)
    return calls.select_related("program").distinct().order_by(*order, "pk")


def catalogue_counts(*, now, program: str = "", region: str = "", division: str = "", q: str = "") -> dict[str, int]:
    """How many calls each tab holds under the same filters: one query."""
    from django.db.models import Count

    calls = _catalogue_filtered(Call.objects.published(), program=program, region=region, division=division, q=q)
    return calls.aggregate(**{tab: Count("pk", filter=_tab_timing(tab, now), distinct=True) for tab in CATALOGUE_TABS})


def _tab_timing(tab: str, now) -> Q:
    if tab == "upcoming":
        return Q(opens_at__gt=now)
    if tab == "closed":
        return Q(closes_at__lte=now)
    return open_window(now)


def _catalogue_filtered(calls, *, program: str, region: str, division: str, q: str):
    if program:
        calls = calls.filter(program__code=program)
    if region:
        calls = calls.filter(Q(all_regions=True) | Q(regions__region=region))
    if division:
        code = division.upper()
        # A stored section (C) or part of a division (C2) admits every division under it.
        calls = calls.filter(Q(all_industries=True) | Q(industries__division__in={code[:1], code[:2], code[:3]}))
    for word in q.split()[:5]:
        calls = calls.filter(Q(title__icontains=word) | Q(notice__icontains=word) | Q(code__icontains=word)
                             | Q(program__name_ko__icontains=word) | Q(program__name_en__icontains=word))
    return calls


def seconds_until_next_call_change(now) -> int:
    """Seconds until the next published call opens or closes (a day if none will): how long
    a public page may be kept before its "open" and "closed" labels could be wrong."""
    from django.db.models import Min

    soonest = Call.objects.published().aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)), closes=Min("closes_at", filter=Q(closes_at__gt=now)))
    moments = [moment for moment in soonest.values() if moment is not None]
    return int((min(moments) - now).total_seconds()) + 1 if moments else 86_400


def call_for_public(user, code: str) -> Call:
    """A published call; staff of its program may also preview it unpublished."""
    call = (
        Call.objects.select_related("program")
        .prefetch_related("levels", "attachments", Prefetch("required_documents", queryset=RequiredDocument.objects.order_by("order", "pk")), "rules")
        .filter(code=code)
        .first()
    )
    if call is None or not (call.is_published or user.has_perm("applications.manage_call", call)):
        raise Http404(_("No such call."))
    return call


def calls_for_officer(user) -> QuerySet[Call]:
    calls = Call.objects.select_related("program").order_by("-opens_at")
    if user.is_superuser:
        return calls
    return calls.filter(program__officer_links__user=user)


def call_for_officer(user, pk: int, *, for_update: bool = False) -> Call:
    queryset = Call.objects.select_related("program")
    if for_update:
        queryset = queryset.select_for_update()
    call = queryset.filter(pk=pk).first()
    if call is None or not user.has_perm("applications.manage_call", call):
        raise Http404(_("No such call."))
    return call


def standard_clauses(call: Call, *, today: datetime.date) -> tuple[ClauseSet | None, ClauseSet | None]:
    """The standard clauses an agreement of this call prepared today takes, and the next
    version already scheduled to take effect after today, if any."""
    family = call.program.family
    if not family:
        return None, None
    in_force = ClauseSet.objects.in_force(family, today)
    upcoming = ClauseSet.objects.filter(family=family, effective_on__gt=today).order_by("effective_on", "version").first()
    return in_force, upcoming


def current_form(call: Call) -> FormVersion:
    return call.form_versions.order_by("-number").first()


def application_for_user(user, pk: int, *, perm: str = "applications.view_application", for_update: bool = False) -> Application:
    """The one way views reach an application: 404 when the person may not see it (nothing
    is revealed), 403 when they may see it but not do `perm`."""
    queryset = Application.objects.select_related("call__program", "company", "form_version", "support_level")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    application = queryset.filter(pk=pk).first()
    if application is None or not user.has_perm("applications.view_application", application):
        raise Http404(_("No such application."))
    if perm != "applications.view_application" and not user.has_perm(perm, application):
        raise PermissionDenied(_("You may not do this with this application in its current state."))
    return application


def agreement_for_user(user, pk: int) -> Agreement:
    """The one way views reach an agreement: 404 for anyone who may not see it."""
    agreement = Agreement.objects.select_related("application__call__program", "application__company").filter(pk=pk).first()
    if agreement is None or not user.has_perm("applications.view_agreement", agreement):
        raise Http404(_("No such agreement."))
    return agreement


@dataclass(frozen=True, slots=True)
class Beside:
    """A link an app above shows beside an application on the company's dashboard (the
    project its executed agreement opened): its words, where it leads, and a status."""

    text: str
    url: str
    status: str = ""


# The apps above register, from their ready(), what the company's dashboard shows beside its
# applications — `beside(user, application ids) → {application id: [Beside, …]}`, one query each —
# and what the officer's desk lists among what waits — `item(user) → [(words, url, count), …]` —
# so that this app imports none of them.
_BESIDE_APPLICATION: list = []
_DESK_ITEMS: list = []


def register_beside_application(beside) -> None:
    if beside not in _BESIDE_APPLICATION:
        _BESIDE_APPLICATION.append(beside)


def register_desk_item(item) -> None:
    if item not in _DESK_ITEMS:
        _DESK_ITEMS.append(item)


def beside_applications(user, application_ids: list[int]) -> dict[int, list[Beside]]:
    """What the apps above show beside these applications (only an executed agreement has
    anything beside it yet: pass the contracted ones)."""
    beside: dict[int, list[Beside]] = {}
    for links in (registered(user, application_ids) for registered in _BESIDE_APPLICATION if application_ids):
        for pk, found in links.items():
            beside.setdefault(pk, []).extend(found)
    return beside


def desk_items(user) -> list[tuple[str, str, int]]:
    """What the apps above add to the officer's desk."""
    return [entry for item in _DESK_ITEMS for entry in item(user)]


@dataclass(frozen=True, slots=True)
class DashboardRow:
    pk: int
    receipt_number: str
    state: str
    call_title: str
    call_closes_at: datetime.datetime
    company_name: str
    last_event_at: datetime.datetime | None
    revision_due: datetime.datetime | None
    offer_due: datetime.datetime | None
    sign_due: datetime.datetime | None
    agreement_id: int | None
    decision: str | None
    state_label: str
    next: NextStep  # what the company does next, where, and by when (applications.status.next_step)
    beside: tuple[Beside, ...] = ()  # what the apps above show beside it (its project)


def applications_for_user(user, *, now: datetime.datetime | None = None) -> list[DashboardRow]:
    """The applicant's applications, newest change first: only the columns the dashboard
    shows (no model instances), the last event and the deadline of the next action by indexed
    subqueries (no GROUP BY over four tables), the status from applications.status, as every page says it."""
    from django.db.models import Case, F, OuterRef, Subquery, When
    from django.utils import timezone


    now = now or timezone.now()

    last_event = ApplicationEvent.objects.filter(application=OuterRef("pk")).order_by("-seq").values("created_at")[:1]
    revision = RevisionRequest.objects.filter(application=OuterRef("pk"), resolved_at__isnull=True).order_by("-pk").values("due_at")[:1]
    offer = PlaceOffer.objects.filter(application=OuterRef("pk"), outcome=PlaceOffer.Outcome.OPEN).order_by("-pk").values("due_at")[:1]
    # The decision refines only a withdrawn application's status (application_status): read for those rows alone.
    decision = Case(When(state=State.WITHDRAWN, then=Subquery(
        SelectionItem.objects.filter(application=OuterRef("pk"), applied_at__isnull=False).order_by("-applied_at").values("decision")[:1])))
    # The agreement is one-to-one: a join gives its id, and its signing deadline while it waits to be signed.
    sign_due = Case(When(agreement__state=AgreementState.ISSUED, then=F("agreement__sign_due_at")))
    rows = (Application.objects.filter(company__memberships__user=user)
            .annotate(last_event_at=Subquery(last_event), revision_due=Subquery(revision), offer_due=Subquery(offer), sign_due=sign_due,
                      decision=decision)
            .order_by("-updated_at")
            .values_list("pk", "receipt_number", "state", "call__title", "call__closes_at", "company__name", "last_event_at",
                         "revision_due", "offer_due", "sign_due", "agreement__pk", "decision"))
    rows = list(rows)
    beside = beside_applications(user, [row[0] for row in rows if row[2] == State.CONTRACTED])
    return [DashboardRow(*row, state_label=application_status(state=state, decision=decision or "").label,
                         next=next_step(pk=pk, state=state, call_closes_at=closes_at, now=now, revision_due=revision_due,
                                        offer_due=offer_due, sign_due=sign_due, agreement_id=agreement_id),
                         beside=tuple(beside.get(pk, ())))
            for row in rows
            for (pk, _receipt, state, _title, closes_at, _company, _event, revision_due, offer_due, sign_due, agreement_id, decision)
            in [row]]


def timeline(application: Application, *, staff: bool = False) -> QuerySet[ApplicationEvent]:
    """The application's one history, in order. The company does not see the evaluation's
    inner workings (who reviews it, each review); officers see everything."""
    events = application.events.select_related("actor").order_by("seq")
    return events if staff else events.exclude(action__in=INTERNAL_EVENTS)


QUEUE_SORTS = {
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    "receipt": ("receipt_number",),
    "company": ("company__name", "pk"),
    "state": ("state", "submitted_at"),
}


def queue_for_officer(user, *, call_id: int | None = None, state: str = "", region: str = "", rule: str = "",
                      older_than_days: int | None = None, q: str = "", sort: str = "submitted", now=None,
                      call_ids: list[int] | None = None) -> QuerySet[Application]:
    """Submitted applications of the officer's programs (everything for an admin), filtered
    and sorted in SQL; drafts are never shown to staff. `call_ids`: the officer's calls when
    the page has read them already (`calls_for_officer`), an IN list instead of a join
    through the programs' officers, for the rows and the count."""
    from django.utils import timezone

    applications = Application.objects.exclude(state="draft").select_related("company", "call__program")
    if call_ids is not None and not user.is_superuser:
        applications = applications.filter(call_id__in=call_ids)
    elif not user.is_superuser:
        applications = applications.filter(call__program__officer_links__user=user)
    if call_id:
        applications = applications.filter(call_id=call_id)
    if state:
        applications = applications.filter(state=state)
    if region:
        applications = applications.filter(company__region=region)
    if rule:
        applications = applications.filter(rule_issues__contains=f",{rule},")
    if older_than_days is not None:
        applications = applications.filter(submitted_at__lte=(now or timezone.now()) - datetime.timedelta(days=older_than_days))
    if q:
        # The number column normalises what it is compared with (portal.identifiers.IdentifierField).
        applications = applications.filter(
            Q(company__name__icontains=q) | Q(receipt_number__icontains=q.strip()) | Q(company__business_number=q)
        )
    return applications.order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["submitted"]))


# What a queue row shows, and nothing else (read with values_list: no model instances).
QUEUE_COLUMNS = ("pk", "receipt_number", "company__name", "company__business_number", "company__region", "state",
                 "submitted_at", "grant_requested", "rule_issues")


@dataclass(frozen=True, slots=True)
class QueueRow:
    pk: int
    receipt_number: str
    company_name: str
    business_number: str
    region: str
    state: str
    submitted_at: datetime.datetime | None
    grant_requested: int
    rule_issues: str
    region_label: str
    state_label: str

    @property
    def business_number_display(self) -> str:
        return format_business_number(self.business_number)


def queue_rows(values: Iterable[tuple]) -> list[QueueRow]:
    """Rows of `queue_for_officer(...).values_list(*QUEUE_COLUMNS)`, labelled from maps built
    once per language."""

    values = list(values)
    regions, states = labels_of(Company, "region"), labels_of(Application, "state")
    # A withdrawn application reads as the other pages read it ("선정 후 포기"): the decisions
    # announced to the withdrawn rows of this page, in one query, and only when there are some.
    withdrawn = [row[0] for row in values if row[5] == State.WITHDRAWN]
    decided: dict[int, str] = {}
    if withdrawn:
        for pk, decision in (Application.objects.filter(pk__in=withdrawn, selection_items__applied_at__isnull=False)
                             .order_by("pk", "selection_items__applied_at").values_list("pk", "selection_items__decision")):
            decided[pk] = decision  # the last announced one wins
    return [QueueRow(*row, region_label=regions.get(row[4], row[4]),
                     state_label=application_status(state=row[5], decision=decided[row[0]]).label if row[0] in decided
                     else states.get(row[5], row[5]))
            for row in values]


# What waits for an officer, by the state it waits in, as the desk says it.
DESK_WAITS = {
    State.SUBMITTED: gettext_lazy("Submitted, screening not started"),
    State.SCREENING: gettext_lazy("In screening"),
    State.REVISION_REQUESTED: gettext_lazy("Waiting for the company's revision"),
    State.APPEAL: gettext_lazy("Appeals to decide"),
}


def officer_desk_counts(calls: list[Call]) -> dict:
    """What waits for the officer across their calls, in two queries: applications by call
    and state, and agreements the company (and a three-party agreement's partner) has signed
    that wait for the countersignature."""
    from django.db.models import Count, Exists, OuterRef


    ids = [call.pk for call in calls]
    submitted: dict[int, int] = {}
    totals: dict[str, int] = {}
    for call_id, state, n in (Application.objects.filter(call_id__in=ids).exclude(state="draft").order_by()
                              .values_list("call_id", "state").annotate(n=Count("pk"))):
        submitted[call_id] = submitted.get(call_id, 0) + n
        totals[state] = totals.get(state, 0) + n
    for call in calls:
        call.desk_submitted = submitted.get(call.pk, 0)
    # A three-party agreement (it has a partner's signer) waits for the partner's signature first.
    partner_signed = Signature.objects.filter(version__agreement=OuterRef("pk"), version__superseded_at__isnull=True,
                                              role=Signature.Role.PARTNER)
    to_countersign = (Agreement.objects.filter(application__call_id__in=ids, state=AgreementState.SIGNED)
                      .filter(Q(partner_signer__isnull=True) | Exists(partner_signed)).count())
    today = [(state, label, totals.get(state, 0)) for state, label in DESK_WAITS.items()]
    return {"today": today, "to_countersign": to_countersign}


def call_statistics(call: Call) -> dict:
    """Counts for the officer's dashboard, each one aggregate query."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    submitted = Application.objects.filter(call=call).exclude(state="draft")
    by_state = dict(Application.objects.filter(call=call).values_list("state").annotate(n=Count("pk")))
    per_day = list(
        submitted.annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day").annotate(n=Count("pk")).order_by("day")
    )
    by_region = list(submitted.values_list("company__region").annotate(n=Count("pk")).order_by("-n"))
    from django.db.models.functions import Substr

    by_industry = list(
        submitted.annotate(division=Substr("company__ksic_code", 1, 3)).values_list("division").annotate(n=Count("pk")).order_by("-n")[:15]
    )
    return {"by_state": by_state, "per_day": per_day, "by_region": by_region, "by_industry": by_industry}
