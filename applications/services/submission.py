"""The applicant's draft: starting it, saving answers, the budget and documents, and what
still stands between it and submission. Submission itself, and every later change of
state, is in applications/services/lifecycle.py."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import eligibility
from applications.answers import check_answer, is_empty, normalize
from applications.budget import Budget, compute_budget, rules_of
from applications.models import (
    Application,
    ApplicationDocument,
    BudgetLine,
    Call,
    DocumentKind,
    EventType,
    FieldType,
    FormField,
    RequiredDocument,
    State,
    SupportLevel,
)
from applications.selectors import current_form
from applications.services.events import event_record
from applications.uploads import inspect_upload
from portal.limits import TITLE_MAX, without_controls
from portal.models import Company, CompanyMembership, User

log = logging.getLogger(__name__)

DECLARATION_KEYS = eligibility.INDEPENDENCE_ITEMS + eligibility.EXCLUSION_ITEMS
# Several files may be given for these; for every other document a new upload replaces the old.
MULTI_FILE_KINDS = {DocumentKind.BONUS_EVIDENCE, DocumentKind.OTHER}


PROJECT_TITLE_MAX = TITLE_MAX


def _title_too_long(title: str) -> str:
    return _("Project title: at most %(limit)d characters; this one has %(length)d.") % {"limit": PROJECT_TITLE_MAX, "length": len(title)}


def closed_message(call: Call) -> str:
    closes = timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")
    return _("The call closed at %(time)s (KST). Applications can no longer be changed or submitted.") % {"time": closes}


def _check_call_open(call: Call, now: datetime.datetime) -> None:
    if not call.is_published or now < call.opens_at:
        raise ValidationError(_("This call is not open for applications yet."), code="not_open")
    if now >= call.closes_at:
        raise ValidationError(closed_message(call), code="closed")


def check_editable(application: Application, *, now: datetime.datetime, step: str) -> None:
    """A draft may change while the call is open; an application under revision only in the
    parts the officer asked for, until the revision's due time."""
    if application.state == State.DRAFT:
        _check_call_open(application.call, now)
        return
    revision = application.open_revision() if application.state == State.REVISION_REQUESTED else None
    if revision is None:
        raise ValidationError(_("This application can no longer be edited."), code="not_editable")
    if now >= revision.due_at:
        raise ValidationError(
            _("The revision was due at %(time)s (KST); it can no longer be changed.")
            % {"time": timezone.localtime(revision.due_at).strftime("%Y-%m-%d %H:%M")},
            code="revision_overdue",
        )
    if step not in revision.steps:
        raise ValidationError(_("Only the parts named in the revision request can be changed."), code="not_requested")


def _section_step(application: Application, keys) -> set[str]:
    return {
        f"section-{pk}"
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
    _check_call_open(call, now)
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
    return list(FormField.objects.filter(section__form=application.form_version).select_related("section").order_by("section__order", "section__pk", "order", "pk"))


def _for_edit(user: User, application_id: int) -> Application:
    """The application locked for a change by one of its company's people: two people (or two
    tabs) saving at once take turns instead of interleaving."""
    from applications.selectors import application_for_user

    return application_for_user(user, application_id, perm="applications.edit_application", for_update=True)


@transaction.atomic
def application_save_draft(*, user: User, application_id: int, answers: dict | None = None,
                           project_title: str | None = None, support_level_id: int | None = None,
                           declarations: dict | None = None, now: datetime.datetime | None = None) -> tuple[Application, dict[str, str]]:
    """Store what the applicant typed, valid or not; return the application and the
    messages to show."""
    now = now or timezone.now()
    application = _for_edit(user, application_id)
    steps = set()
    if answers:
        steps |= _section_step(application, answers)
    if project_title is not None or support_level_id is not None:
        steps.add("overview")
    if declarations is not None:
        steps.add("declarations")
    for step in steps or {"overview"}:
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
    if declarations is not None:
        for key in DECLARATION_KEYS:
            if key in declarations and declarations[key] in (True, False):
                application.declarations[key] = declarations[key]
    application.draft_revision = F("draft_revision") + 1
    application.save()
    application.refresh_from_db(fields=["draft_revision", "updated_at"])
    return application, errors


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
    check_editable(application, now=now or timezone.now(), step="budget")
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
        check_editable(application, now=now, step="documents")
    else:
        field = FormField.objects.filter(section__form=application.form_version, key=field_key, type=FieldType.FILE).first()
        if field is None:
            raise ValidationError(_("This call does not ask for that document."), code="unknown_requirement")
        formats = [c["value"] for c in field.choices] or ["pdf"]
        check_editable(application, now=now, step=f"section-{field.section_id}")
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
        from applications.uploads import human_size

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
    except OSError as exc:
        # A full or unwritable disk: nothing is recorded, and the applicant can try again.
        log.error("Could not store an upload for application %s: %s", application.pk, exc)
        raise ValidationError(_("The file could not be stored just now (the server's storage is full or unavailable). "
                                "Nothing was saved; please try again in a few minutes."), code="storage") from exc
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
    step = "documents" if document.requirement_id else next(iter(_section_step(application, [document.field_key])), "documents")
    check_editable(application, now=now or timezone.now(), step=step)
    name = document.file.name
    storage = document.file.storage
    document.delete()
    event_record(application=application, actor=user, action=EventType.DOCUMENT_REMOVED, ip=ip, data={"name": document.original_name})
    transaction.on_commit(lambda: storage.delete(name))


def gather_facts(*, call: Call, company: Company, rules: list, basis_date: datetime.date, application: Application | None = None,
                 declarations: dict | None = None, uploaded_kinds: frozenset[str] = frozenset()) -> eligibility.Facts:
    """Everything the call's rules read about `company`, in a fixed number of queries: its
    other applications to the call, the grants it holds or held (중복수혜), the bans in the
    register (참여제한) and the partners' lists the call's rules name."""
    from django.db.models import Max

    from applications.models import ParticipationBan, PartnerList
    from applications.services.lifecycle import HOLDS_BUDGET

    others = Application.objects.filter(call_id=call.pk, company_id=company.pk)
    if application is not None:
        others = others.exclude(pk=application.pk)
    funded = (Application.objects.filter(company_id=company.pk, state__in=HOLDS_BUDGET)
              .exclude(call_id=call.pk)
              .annotate(decided=Max("selection_items__applied_at", filter=Q(selection_items__decision="selected")))
              .values_list("call__program_id", "call__program__name_ko", "call__code", "decided", "submitted_at"))
    prior = tuple(
        eligibility.PriorGrant(program_id=program_id, program_name=name, call_code=code,
                               decided_on=timezone.localtime(decided or submitted).date(), running=True)
        for program_id, name, code, decided, submitted in funded if (decided or submitted) is not None
    )
    bans = tuple(eligibility.Ban(reason=r, starts_on=s, ends_on=e) for r, s, e in
                 ParticipationBan.objects.filter(business_number=company.business_number).values_list("reason", "starts_on", "ends_on"))
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


def eligibility_facts(application: Application, rules: list, *, today: datetime.date | None = None,
                      uploaded_kinds: frozenset[str] | None = None) -> eligibility.Facts:
    """The facts `rules` read, as of the call's basis date; `today` is the day of application;
    `uploaded_kinds` the kinds of the required documents uploaded, when the caller read them."""
    if uploaded_kinds is None:
        uploaded_kinds = frozenset(
            application.documents.filter(requirement__isnull=False).values_list("requirement__kind", flat=True)
        )
    call = application.call
    return gather_facts(call=call, company=application.company, rules=rules, application=application,
                        basis_date=call.basis_date(today or timezone.localdate()),
                        declarations=application.declarations, uploaded_kinds=uploaded_kinds)


def self_check(*, call: Call, company: Company, today: datetime.date | None = None) -> list[eligibility.RuleResult]:
    """The call's rules run against the company's profile, before any application exists."""
    rules = list(call.rules.all())
    facts = gather_facts(call=call, company=company, rules=rules, basis_date=call.basis_date(today or timezone.localdate()))
    return eligibility.evaluate(rules, facts)


def submission_problems(application: Application) -> tuple[list[str], list[eligibility.RuleResult]]:
    """Everything that stands between this draft and submission, in the order of the steps.
    Each table is read once (the documents, for the fields, the requirements and the rules)."""
    problems: list[str] = []
    documents = list(application.documents.values_list("field_key", "requirement_id", "requirement__kind"))
    if not application.project_title.strip():
        problems.append(_("Give the project a title."))
    elif len(application.project_title) > PROJECT_TITLE_MAX:
        problems.append(_title_too_long(application.project_title))
    if application.call.levels.exists() and application.support_level_id is None:
        problems.append(_("Choose a support level."))
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
    rules = list(application.call.rules.all())
    uploaded_kinds = frozenset(kind for _key, requirement, kind in documents if requirement is not None)
    results = eligibility.evaluate(rules, eligibility_facts(application, rules, uploaded_kinds=uploaded_kinds))
    for result in results:
        if result.blocks and result.outcome != eligibility.PASS:
            problems.append(_("Eligibility: %(message)s") % {"message": result.message})
    return problems, results


def rule_issues(results: list[eligibility.RuleResult]) -> str:
    kinds = [r.kind for r in results if r.outcome != eligibility.PASS]
    return f",{','.join(kinds)}," if kinds else ""
