"""The applicant's draft: starting it, saving answers, the budget and documents, and what
still stands between it and submission. Submission itself, and every later change of
state, is in applications/lifecycle/."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import eligibility
from applications.answers import check_answer, is_empty, normalize
from applications.budget import Budget, compute_budget, rules_of
from applications.models import (
    HOLDS_BUDGET,
    Application,
    ApplicationDocument,
    BudgetLine,
    Call,
    DocumentKind,
    EventType,
    FieldType,
    FormField,
    FormStep,
    OtherAgencySupport,
    ParticipationBan,
    PartnerList,
    RequiredDocument,
    SelectionItem,
    State,
    SupportLevel,
    section_step,
)
from applications.selectors import application_for_user, current_form
from applications.services.events import event_record
from portal.formatting import deadline
from portal.forms import KRW_MAX
from portal.identifiers import digits_only, is_valid_business_number
from portal.limits import TITLE_MAX, without_controls
from portal.models import Company, CompanyMembership, User
from portal.storage import STORAGE_FAILURES, store_away
from portal.uploads import human_size, inspect_upload

log = logging.getLogger(__name__)


DECLARATION_KEYS = eligibility.INDEPENDENCE_ITEMS + eligibility.EXCLUSION_ITEMS
OTHER_SUPPORT = eligibility.OTHER_SUPPORT
# Several files may be given for these; for every other document a new upload replaces the old.
MULTI_FILE_KINDS = {DocumentKind.BONUS_EVIDENCE, DocumentKind.OTHER}


PROJECT_TITLE_MAX = TITLE_MAX


def _title_too_long(title: str) -> str:
    return _("Project title: at most %(limit)d characters; this one has %(length)d.") % {"limit": PROJECT_TITLE_MAX, "length": len(title)}


def closed_message(call: Call) -> str:
    closes = deadline(call.closes_at)
    return _("The call closed at %(time)s (KST). Applications can no longer be changed or submitted.") % {"time": closes}


def check_call_open(call: Call, now: datetime.datetime) -> None:
    """Refuse (ValidationError, saying which) unless the call takes applications at `now`."""
    if call.is_open(now):
        return
    if call.has_closed(now):
        raise ValidationError(closed_message(call), code="closed")
    raise ValidationError(_("This call is not open for applications yet."), code="not_open")


def check_editable(application: Application, *, now: datetime.datetime, step: str) -> None:
    """A draft may change while the call is open; an application under revision only in the
    parts the officer asked for, until the revision's due time."""
    if application.state == State.DRAFT:
        check_call_open(application.call, now)
        return
    revision = application.open_revision() if application.state == State.REVISION_REQUESTED else None
    if revision is None:
        raise ValidationError(_("This application can no longer be edited."), code="not_editable")
    if now >= revision.due_at:
        raise ValidationError(
            _("The revision was due at %(time)s (KST); it can no longer be changed.")
            % {"time": deadline(revision.due_at)},
            code="revision_overdue",
        )
    if step not in revision.steps:
        raise ValidationError(_("Only the parts named in the revision request can be changed."), code="not_requested")


def _section_step(application: Application, keys) -> set[str]:
    return {
        section_step(pk)
        for pk in FormField.objects.filter(section__form=application.form_version, key__in=list(keys)).values_list("section_id", flat=True)
    }


def application_start(*, user: User, call: Call, company: Company, now: datetime.datetime | None = None,
                      ip: str | None = None) -> tuple[Application, bool]:
    """Open the company's application to the call, or return the one it already has.

    The unique constraint (call, company) decides when two members start at once."""
    now = now or timezone.now()
    if not CompanyMembership.objects.filter(company=company, user=user).exists():
        raise PermissionDenied(_("You do not act for this company."))
    existing = Application.objects.filter(call=call, company=company).first()
    if existing is not None:
        return existing, False
    check_call_open(call, now)
    form = current_form(call)
    try:
        with transaction.atomic():
            application = Application.objects.create(call=call, company=company, form_version=form, created_by=user)
            application = Application.objects.select_for_update().get(pk=application.pk)
            event_record(application=application, actor=user, action=EventType.CREATED, to_state=State.DRAFT, ip=ip)
    except IntegrityError:
        return Application.objects.get(call=call, company=company), False
    return application, True


def _form_fields(application: Application) -> list[FormField]:
    return list(FormField.objects.filter(section__form=application.form_version).select_related("section")
                .order_by("section__order", "section__pk", "order", "pk"))


def _for_edit(user: User, application_id: int) -> Application:
    """The application locked for a change by one of its company's people: two people (or two
    tabs) saving at once take turns instead of interleaving."""

    return application_for_user(user, application_id, perm="applications.edit_application", for_update=True)


@transaction.atomic
def application_save_draft(*, user: User, application_id: int, answers: dict | None = None,
                           project_title: str | None = None, support_level_id: int | None = None,
                           declarations: dict | None = None, other_support: list[dict] | None = None,
                           now: datetime.datetime | None = None,
                           supplier_name: str | None = None, supplier_business_number: str | None = None,
                           ) -> tuple[Application, dict[str, str]]:
    """Store what the applicant typed, valid or not; return the application and the
    messages to show. `other_support` replaces the rows of support from other agencies
    (agency, program, amount); rows that cannot be stored as they are (no agency, an amount
    that is not a positive number of won) or that contradict the declaration are refused
    with nothing changed."""
    now = now or timezone.now()
    application = _for_edit(user, application_id)
    steps = set()
    if answers:
        steps |= _section_step(application, answers)
    if project_title is not None or support_level_id is not None or supplier_name is not None or supplier_business_number is not None:
        steps.add(FormStep.OVERVIEW)
    if declarations is not None or other_support is not None:
        steps.add(FormStep.DECLARATIONS)
    for step in steps or {FormStep.OVERVIEW}:
        check_editable(application, now=now, step=step)
    errors: dict[str, str] = {}
    fields = {f.key: f for f in _form_fields(application)}
    if answers:
        for key, raw in answers.items():
            field = fields.get(key)
            if field is None or field.type == FieldType.FILE:
                continue
            value = normalize(field, raw)
            application.answers[key] = value
            message = check_answer(field, value)
            # An empty answer is fine in a draft; a malformed one is pointed out at once.
            if message and not is_empty(field, value):
                errors[key] = message
    if project_title is not None:
        # Kept in full even when too long, so nothing typed is lost; submission insists.
        application.project_title = without_controls(project_title).strip()
        if len(application.project_title) > PROJECT_TITLE_MAX:
            errors["project_title"] = _title_too_long(application.project_title)
    if support_level_id is not None:
        level = SupportLevel.objects.filter(pk=support_level_id, call=application.call).first()
        if level is None:
            errors["support_level"] = _("Choose one of the call's support levels.")
        else:
            application.support_level = level
    if supplier_name is not None:
        application.supplier_name = without_controls(supplier_name).strip()[:200]
    if supplier_business_number is not None:
        number = digits_only(supplier_business_number)
        if number and not is_valid_business_number(number):
            # Not kept: the column holds ten digits; the form shows what was typed with the reason.
            errors["supplier_business_number"] = _("This is not a valid business registration number (10 digits, e.g. 124-81-00998); "
                                                   "check the supplier's registration certificate.")
        else:
            application.supplier_business_number = number
    if declarations is not None:
        for key in DECLARATION_KEYS:
            if key in declarations and declarations[key] in (True, False):
                application.declarations[key] = declarations[key]
    if declarations is not None or other_support is not None:
        message = _other_support_save(application, declared=(declarations or {}).get(OTHER_SUPPORT), rows=other_support)
        if message:
            errors[OTHER_SUPPORT] = message
    application.draft_revision = F("draft_revision") + 1
    application.save()
    application.refresh_from_db(fields=["draft_revision", "updated_at"])
    return application, errors


def _other_support_rows(rows: list[dict]) -> list[OtherAgencySupport]:
    """The rows as they will be stored, or ValidationError naming the first that cannot be."""
    stored = []
    for number, row in enumerate(rows, start=1):
        agency = without_controls(str(row.get("agency") or "")).strip()
        program = without_controls(str(row.get("program") or "")).strip()
        amount = row.get("amount")
        if not agency or not program:
            raise ValidationError(_("Support from another agency, row %(row)d: name the agency and its program.") % {"row": number},
                                  code="other_support_incomplete")
        if len(agency) > 100 or len(program) > 200:
            raise ValidationError(_("Support from another agency, row %(row)d: the agency takes at most 100 characters, the program 200.")
                                  % {"row": number}, code="other_support_too_long")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= KRW_MAX:
            raise ValidationError(_("Support from another agency, row %(row)d: the amount is a whole number of won, more than zero.")
                                  % {"row": number}, code="other_support_amount")
        stored.append(OtherAgencySupport(agency=agency, program=program, amount=amount, order=number))
    return stored


def _other_support_save(application: Application, *, declared: bool | None, rows: list[dict] | None) -> str:
    """The declaration of support from other agencies and its rows, under the application's
    lock; returns what still needs the applicant's attention ('' when nothing does)."""
    if declared is not None and declared not in (True, False):
        declared = None
    if rows is not None:
        stored = _other_support_rows(rows)
        if declared is False and stored:
            raise ValidationError(_("You declared no support from other agencies but listed some: remove the rows, or choose “Yes”."),
                                  code="other_support_contradiction")
        if declared is None and stored:
            declared = True  # rows typed without ticking "yes" say so themselves
        application.other_agency_support.all().delete()
        for row in stored:
            row.application = application
        OtherAgencySupport.objects.bulk_create(stored)
    elif declared is False:
        application.other_agency_support.all().delete()
    if declared is not None:
        application.declarations[OTHER_SUPPORT] = declared
    if application.declarations.get(OTHER_SUPPORT) is True and not application.other_agency_support.exists():
        return other_support_missing()
    return ""


def other_support_missing() -> str:
    return _("Name the other agency's support (agency, program and amount), or choose “None”.")


def declared_rows(application: Application) -> list[OtherAgencySupport]:
    """The rows of support from other agencies the application declares (none unless it
    declared `other_support` yes), read once per instance: the submission checks them and
    then records them."""
    if application.declarations.get(OTHER_SUPPORT) is not True:
        return []
    prefetch_related_objects([application], "other_agency_support")
    return list(application.other_agency_support.all())


def declared_record(application: Application) -> dict:
    """The declarations and the other agencies' support as they are sent, for the data of the
    submission's (or the revision's) event. A revision that reopens the declarations step
    replaces the rows, and the declarations decide eligibility, so each sending keeps its own
    record in the hash-chained history: what was declared the first time is never lost."""
    return {
        "declarations": {key: application.declarations[key] for key in sorted(application.declarations)},
        "other_agency_support": [{"agency": row.agency, "program": row.program, "amount": row.amount}
                                 for row in declared_rows(application)],
    }


def budget_of(application: Application, lines: list[BudgetLine] | None = None) -> Budget:
    lines = list(application.budget_lines.all()) if lines is None else lines
    return compute_budget(rules=rules_of(application), line_amounts=[(line.amount, line.is_in_kind) for line in lines],
                          grant=application.grant_requested, partner=application.partner_amount)


@transaction.atomic
def budget_save(*, user: User, application_id: int, lines: list[dict], grant_requested: int, partner_amount: int = 0,
                now: datetime.datetime | None = None) -> Budget:
    """Replace the budget lines and the grant requested; return the computed budget with
    its messages. A draft keeps an over-cap budget; submission refuses it."""
    application = _for_edit(user, application_id)
    check_editable(application, now=now or timezone.now(), step=FormStep.BUDGET)
    application.budget_lines.all().delete()
    created = BudgetLine.objects.bulk_create(
        BudgetLine(application=application, order=i, category=line["category"], description=line["description"],
                   amount=line["amount"], is_in_kind=line.get("is_in_kind", False))
        for i, line in enumerate(lines)
    )
    application.grant_requested = grant_requested
    application.partner_amount = partner_amount
    application.draft_revision = F("draft_revision") + 1
    application.save()
    application.refresh_from_db(fields=["draft_revision", "updated_at"])
    return budget_of(application, created)


@transaction.atomic
def document_upload(*, user: User, application_id: int, upload: UploadedFile, requirement_id: int | None = None,
                    field_key: str = "", now: datetime.datetime | None = None, ip: str | None = None) -> ApplicationDocument:
    application = _for_edit(user, application_id)
    call = application.call
    now = now or timezone.now()
    requirement = None
    if requirement_id is not None:
        requirement = RequiredDocument.objects.filter(pk=requirement_id, call=call).first()
        if requirement is None:
            raise ValidationError(_("This call does not ask for that document."), code="unknown_requirement")
        formats = requirement.formats
        check_editable(application, now=now, step=FormStep.DOCUMENTS)
    else:
        field = FormField.objects.filter(section__form=application.form_version, key=field_key, type=FieldType.FILE).first()
        if field is None:
            raise ValidationError(_("This call does not ask for that document."), code="unknown_requirement")
        formats = [c["value"] for c in field.choices] or ["pdf"]
        check_editable(application, now=now, step=section_step(field.section_id))
    inspected = inspect_upload(upload, formats=formats, max_bytes=call.max_file_mb * 1024 * 1024)

    replaced = []
    if requirement is None or requirement.kind not in MULTI_FILE_KINDS:
        replaced = list(application.documents.filter(requirement=requirement, field_key=field_key))
    kept_files = application.documents.exclude(pk__in=[d.pk for d in replaced])
    if kept_files.count() >= call.max_files:
        raise ValidationError(_("An application can hold at most %(limit)d files. Remove one first.") % {"limit": call.max_files},
                              code="too_many_files")
    kept = kept_files.aggregate(total=Sum("size"))["total"] or 0
    limit = call.max_total_mb * 1024 * 1024
    if kept + inspected.size > limit:
        raise ValidationError(
            _("Together the application's files would take %(total)s; the limit is %(limit)s. Remove a file first.")
            % {"total": human_size(kept + inspected.size), "limit": human_size(limit)},
            code="total_too_large",
        )
    upload.seek(0)
    document = ApplicationDocument(
        application=application, requirement=requirement, field_key=field_key, original_name=inspected.safe_name,
        detected_format=inspected.format, size=inspected.size, sha256=inspected.sha256, uploaded_by=user,
    )
    try:
        document.file.save("upload", upload, save=False)
    except STORAGE_FAILURES as exc:
        # A full or unwritable disk, or an object store that is away: nothing is recorded, and
        # the applicant can try again.
        log.error("Could not store an upload for application %s: %s", application.pk, exc)
        raise store_away() from exc
    stored_name = document.file.name
    # A failure below must not leave the new file behind; replaced files go only on commit.
    transaction.on_commit(lambda: [d.file.delete(save=False) for d in replaced])
    try:
        document.save()
        for old in replaced:
            ApplicationDocument.objects.filter(pk=old.pk).delete()
        event_record(application=application, actor=user, action=EventType.DOCUMENT_UPLOADED, ip=ip,
                     data={"name": document.original_name, "sha256": document.sha256, "size": document.size})
    except Exception:
        document.file.storage.delete(stored_name)
        raise
    return document


@transaction.atomic
def document_delete(*, user: User, application_id: int, document_id: int, now: datetime.datetime | None = None,
                    ip: str | None = None) -> None:
    application = _for_edit(user, application_id)
    document = application.documents.filter(pk=document_id).select_related("requirement").first()
    if document is None:
        raise ValidationError(_("That file is no longer there."), code="gone")
    step = FormStep.DOCUMENTS if document.requirement_id else next(iter(_section_step(application, [document.field_key])), FormStep.DOCUMENTS)
    check_editable(application, now=now or timezone.now(), step=step)
    name = document.file.name
    storage = document.file.storage
    document.delete()
    event_record(application=application, actor=user, action=EventType.DOCUMENT_REMOVED, ip=ip, data={"name": document.original_name})
    transaction.on_commit(lambda: storage.delete(name))


def prior_grants(*, company_id: int, other_than_call_id: int) -> tuple[eligibility.PriorGrant, ...]:
    """The grants this portal made to the company in other calls that it holds (selected,
    offered, under agreement or executed): all the portal itself knows of 중복수혜."""
    from django.db.models import Max

    funded = (Application.objects.filter(company_id=company_id, state__in=HOLDS_BUDGET)
              .exclude(call_id=other_than_call_id)
              .annotate(decided=Max("selection_items__applied_at", filter=Q(selection_items__decision=SelectionItem.Decision.SELECTED)))
              .values_list("call__program_id", "call__program__name_ko", "call__code", "decided", "submitted_at"))
    return tuple(
        eligibility.PriorGrant(program_id=program_id, program_name=name, call_code=code,
                               decided_on=timezone.localtime(decided or submitted).date(), running=True)
        for program_id, name, code, decided, submitted in funded if (decided or submitted) is not None
    )


def gather_facts(*, call: Call, company: Company, rules: list, basis_date: datetime.date, application: Application | None = None,
                 declarations: dict | None = None, uploaded_kinds: frozenset[str] = frozenset()) -> eligibility.Facts:
    """Everything the call's rules read about `company`, in a fixed number of queries: its
    other applications to the call, the grants it holds or held (중복수혜), the bans in the
    register (참여제한) and the partners' lists the call's rules name."""

    others = Application.objects.filter(call_id=call.pk, company_id=company.pk)
    if application is not None:
        others = others.exclude(pk=application.pk)
    prior = prior_grants(company_id=company.pk, other_than_call_id=call.pk)
    bans = tuple(ban_fact(ban) for ban in
                 ParticipationBan.objects.filter(business_number=company.business_number).prefetch_related("programs"))
    list_ids = [rule.params.get("list") for rule in rules if rule.kind == "partner_list"]
    partner_lists = {
        partners.pk: (partners.name, frozenset(entry.business_number for entry in partners.entries.all()))
        for partners in PartnerList.objects.filter(pk__in=list_ids).prefetch_related("entries")
    } if list_ids else {}
    return eligibility.Facts(
        company=company,
        basis_date=basis_date,
        declarations=dict(declarations or {}),
        uploaded_kinds=uploaded_kinds,
        other_application_exists=others.exists(),
        program_id=call.program_id,
        prior_grants=prior,
        bans=bans,
        partner_lists=partner_lists,
    )


def ban_fact(ban) -> eligibility.Ban:
    """A ban of the register as the rules read it: its last day computed from its start and
    length (portal.periods, first day counted), or the end typed for a ban recorded without
    a length; the programs it bars, or None for every program."""
    programs = None
    if ban.scope == ban.Scope.PROGRAMS:
        programs = {program.pk: (program.name_ko, program.name_en or program.name_ko) for program in ban.programs.all()}
    return eligibility.Ban(reason=ban.reason, legal_ground=ban.legal_ground, starts_on=ban.starts_on, ends_on=ban.last_day,
                           programs=programs)


def application_day(application: Application, arrived: datetime.datetime | None = None) -> datetime.date:
    """신청일: the KST day the application was submitted, or — before it is — the KST day the
    request arrived (the arrival stamp the deadline is judged by, portal.middleware), not the
    day the server got round to it: a request that arrived at 23:59:59.9 is judged on that day."""
    if application.submitted_at is not None:
        return timezone.localtime(application.submitted_at).date()
    return timezone.localtime(arrived).date() if arrived is not None else timezone.localdate()


def eligibility_facts(application: Application, rules: list, *, today: datetime.date | None = None,
                      uploaded_kinds: frozenset[str] | None = None) -> eligibility.Facts:
    """The facts `rules` read, as of the call's basis date; `today` is the day of application
    (`application_day`); `uploaded_kinds` the kinds of the required documents uploaded, when
    the caller read them."""
    if uploaded_kinds is None:
        uploaded_kinds = frozenset(
            application.documents.filter(requirement__isnull=False).values_list("requirement__kind", flat=True)
        )
    call = application.call
    return gather_facts(call=call, company=application.company, rules=rules, application=application,
                        basis_date=call.basis_date(today or application_day(application)),
                        declarations=application.declarations, uploaded_kinds=uploaded_kinds)


def self_check(*, call: Call, company: Company, arrived: datetime.datetime | None = None) -> list[eligibility.RuleResult]:
    """The call's rules run against the company's profile, before any application exists; with
    the basis date 신청일, as of the KST day the request `arrived` (as a submission would be)."""
    rules = list(call.rules.all())
    today = timezone.localtime(arrived).date() if arrived is not None else timezone.localdate()
    facts = gather_facts(call=call, company=company, rules=rules, basis_date=call.basis_date(today))
    return eligibility.evaluate(rules, facts)


def submission_problems(application: Application, *, arrived: datetime.datetime | None = None,
                        ) -> tuple[list[str], list[eligibility.RuleResult]]:
    """Everything that stands between this draft and submission, in the order of the steps,
    the rules judged as of a submission that `arrived` then (`application_day`).
    Each table is read once (the documents, for the fields, the requirements and the rules)."""
    problems: list[str] = []
    documents = list(application.documents.values_list("field_key", "requirement_id", "requirement__kind"))
    if not application.project_title.strip():
        problems.append(_("Give the project a title."))
    elif len(application.project_title) > PROJECT_TITLE_MAX:
        problems.append(_title_too_long(application.project_title))
    if application.call.levels.exists() and application.support_level_id is None:
        problems.append(_("Choose a support level."))
    if application.call.program.names_supplier:
        if not (application.supplier_name.strip() and application.supplier_business_number):
            problems.append(_("Name the solution supplier (공급기업) you chose, with its business registration number."))
        elif application.supplier_business_number == application.company.business_number:
            problems.append(_("The solution supplier is another company than yours: name the supplier you build the system with."))
    uploaded_fields = frozenset(key for key, _requirement, _kind in documents if key)
    for field in _form_fields(application):
        message = check_answer(field, application.answers.get(field.key), uploaded_keys=uploaded_fields)
        if message:
            problems.append(f"{field.section.title} › {field.label}: {message}")
    budget = budget_of(application)
    problems.extend(_("Budget: %(message)s") % {"message": m} for m in budget.errors)
    uploaded_requirements = {requirement for _key, requirement, _kind in documents if requirement is not None}
    for requirement in application.call.required_documents.filter(is_required=True):
        if requirement.pk not in uploaded_requirements:
            problems.append(_("Documents: upload the %(name)s.") % {"name": requirement.name})
    missing_declarations = [k for k in DECLARATION_KEYS if k not in application.declarations]
    if missing_declarations:
        problems.append(_("Declarations: answer every declaration."))
    if OTHER_SUPPORT not in application.declarations:
        problems.append(_("Declarations: declare whether another agency supports this project."))
    elif application.declarations[OTHER_SUPPORT] is True and not declared_rows(application):
        problems.append(_("Declarations: %(message)s") % {"message": other_support_missing()})
    rules = list(application.call.rules.all())
    uploaded_kinds = frozenset(kind for _key, requirement, kind in documents if requirement is not None)
    results = eligibility.evaluate(rules, eligibility_facts(application, rules, today=application_day(application, arrived),
                                                                     uploaded_kinds=uploaded_kinds))
    for result in results:
        if result.blocks and result.outcome != eligibility.PASS:
            problems.append(_("Eligibility: %(message)s") % {"message": result.message})
    return problems, results


def rule_issues(results: list[eligibility.RuleResult]) -> str:
    kinds = [r.kind for r in results if r.outcome != eligibility.PASS]
    return f",{','.join(kinds)}," if kinds else ""
