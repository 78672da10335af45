"""Program officers set up calls. Form, rules, levels and documents are fixed once the
call opens; the notice, closing time (later only), budget and attachments are not."""

from __future__ import annotations

import datetime
import functools
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.eligibility import codes_not_on_lists
from applications.lifecycle import committed_budget, lock_budget
from applications.models import (
    Call,
    CallIndustry,
    CallRegion,
    ClauseTemplate,
    DocumentKind,
    EligibilityRule,
    FormField,
    FormSection,
    FormVersion,
    NoticeAttachment,
    Program,
    RequiredDocument,
    RuleKind,
    SupportLevel,
)
from applications.selectors import current_form
from applications.services.agreements import partner_missing
from portal.formatting import won
from portal.models import User
from portal.page_cache import public_pages_changed
from portal.services.audit import audit_record
from portal.uploads import human_size, inspect_content

# The paying partner's details are the agreements' business, not the applicants': they may
# be completed or corrected while the call runs (its agreements freeze them when drafted).
EDITABLE_AFTER_OPENING = {"title", "notice", "closes_at", "budget_total", "is_published", "offer_days", "auto_offer", "sign_days",
                          "partner_name", "partner_business_number", "partner_representative"}


def publish_problems(call: Call, now: datetime.datetime | None = None) -> list[str]:
    """What the call lacks before companies may see it: once it opens, its form, documents,
    levels and rules are fixed, so publishing an incomplete call cannot be mended later."""

    now = now or timezone.now()
    problems = []
    if call.program.family_missing():  # its agreements would not know their clauses
        problems.append(call.program.family_missing())
    form = current_form(call)
    if form is None or not FormField.objects.filter(section__form=form).exists():
        problems.append(_("Add at least one question to the application form."))
    if not call.required_documents.filter(is_required=True).exists():
        problems.append(_("Name at least one document every applicant must upload."))
    if not call.levels.exists():
        problems.append(_("Add the call's support levels."))
    if not call.rules.exclude(kind=RuleKind.ONE_PER_CALL).exists():
        problems.append(_("Set the eligibility rules (besides one application per company)."))
    # A hard rule that asks for evidence blocks every submission unless the call asks for
    # that document: without it no applicant could ever submit.
    requested = set(call.required_documents.values_list("kind", flat=True))
    for rule in call.rules.filter(is_hard=True).order_by("order", "pk"):
        kind = _evidence_kind(rule)
        if kind and kind not in requested:
            problems.append(_("The rule “%(rule)s” asks applicants for the %(document)s as evidence: add it to the documents.")
                            % {"rule": RuleKind(rule.kind).label, "document": DocumentKind(kind).label})
    for rule in call.rules.order_by("order", "pk"):
        unknown = codes_not_on_lists(rule.kind, rule.params)
        if unknown:
            problems.append(_("The rule “%(rule)s” names codes no longer on the official lists: %(codes)s. Delete it and add it again with codes in force.")
                            % {"rule": RuleKind(rule.kind).label, "codes": ", ".join(unknown)})

    missing_partner = partner_missing(call)
    if missing_partner:
        problems.append(missing_partner)
    if call.budget_total <= 0:
        problems.append(_("Set the call's government budget."))
    if call.closes_at <= now:
        problems.append(_("The closing time has passed; set a later one."))
    return problems


def _evidence_kind(rule: EligibilityRule) -> str | None:
    """The document a rule asks for when the company's own facts are not proof enough
    (applications/eligibility.py: the size rule, the tax-arrears exclusion, certifications)."""
    if rule.kind == RuleKind.SME_SIZE:
        return DocumentKind.SME_CERTIFICATE
    if rule.kind == RuleKind.EXCLUSIONS and "tax_arrears" in rule.params.get("items", ["tax_arrears"]):
        return DocumentKind.TAX_CLEARANCE
    if rule.kind == RuleKind.CERTIFICATION:
        return DocumentKind.BONUS_EVIDENCE
    return None


def _refuse_if_opened(call: Call, now: datetime.datetime | None = None) -> None:
    if call.has_opened(now):
        raise ValidationError(_("The call has opened: its form, eligibility rules, support levels and documents are fixed."), code="opened")


def _lock(user: User, call: Call) -> Call:
    """The call's row, locked for the change (set-up changes of one call take turns), after
    checking the person runs its program. Callers are inside `transaction.atomic`."""
    if not user.has_perm("applications.manage_call", call):
        raise PermissionDenied(_("Only the program's officers set up its calls."))
    return Call.objects.select_for_update().select_related("program").get(pk=call.pk)


@transaction.atomic
def call_create(*, user: User, program: Program, data: dict, ip: str | None = None) -> Call:
    if data.get("is_published"):
        program.require_family()
    call = Call.objects.create(program=program, **data)
    FormVersion.objects.create(call=call, number=1)
    # The database enforces one application per company per call; the rule shows it.
    EligibilityRule.objects.create(call=call, kind=RuleKind.ONE_PER_CALL, params={}, is_hard=True, order=99)
    audit_record(actor=user, action="call.created", target=call, ip=ip, data={"code": call.code})
    return call


@transaction.atomic
def call_update(*, user: User, call: Call, data: dict, ip: str | None = None, now: datetime.datetime | None = None,
                confirmed: bool = True) -> Call:
    """Change the call. Publishing needs a complete call and, from a person at the page, the
    ticked confirmation (`confirmed`) that its set-up is fixed from the opening time."""
    if "budget_total" in data:
        # The budget authority first (the documented lock order): a cut is judged against
        # everything the call has committed, with no offer or acceptance between the two.
        lock_budget(call.pk)
    call = _lock(user, call)
    now = now or timezone.now()
    changed = {field for field, value in data.items() if getattr(call, field) != value}
    if "budget_total" in changed:
        committed = committed_budget(call)
        if data["budget_total"] < committed:
            raise ValidationError(
                _("The budget cannot be cut to %(budget)s: %(committed)s is already selected, offered or decided. Nothing was changed.")
                % {"budget": won(data["budget_total"]), "committed": won(committed)}, code="below_committed")
    if call.has_opened(now):
        frozen = changed - EDITABLE_AFTER_OPENING
        if frozen:
            raise ValidationError(
                _("The call has opened; these can no longer change: %(fields)s.")
                % {"fields": ", ".join(str(Call._meta.get_field(f).verbose_name) for f in sorted(frozen))},
                code="opened",
            )
        if "closes_at" in changed and data["closes_at"] < call.closes_at:
            raise ValidationError(_("An open call's closing time can only be extended, never brought forward."), code="earlier")
    for field in changed:
        setattr(call, field, data[field])
    if "is_published" in changed and call.is_published:
        problems = publish_problems(call, now)
        if problems:
            raise ValidationError([_("The call cannot be published yet:")] + problems, code="incomplete")
        if not confirmed:
            raise ValidationError(_("Tick the box to confirm the publication: from the opening time the form, documents, levels and rules are fixed."),
                                  code="unconfirmed")
    if changed:
        call.full_clean()
        call.save()
        audit_record(actor=user, action="call.updated", target=call, ip=ip, data={"changed": sorted(changed)})
    return call


@transaction.atomic
def rule_add(*, user: User, call: Call, kind: str, params: dict, is_hard: bool, group: str = "", points=0,
             ip: str | None = None) -> EligibilityRule:
    """Add a rule. A call may have several of a kind; rules sharing `group` are alternatives."""
    call = _lock(user, call)
    _refuse_if_opened(call)
    if kind == RuleKind.ONE_PER_CALL:
        raise ValidationError(_("One application per company per call always applies."), code="fixed")
    unknown = codes_not_on_lists(kind, params)
    if unknown:
        raise ValidationError(_("Not on the official code lists (행정표준코드, KSIC): %(codes)s. Nothing was saved.")
                              % {"codes": ", ".join(unknown)}, code="unknown_code")
    if points and is_hard:
        raise ValidationError(_("Only a rule that does not block submission earns bonus points."), code="hard_points")
    rule = EligibilityRule.objects.create(call=call, kind=kind, params=params, is_hard=is_hard, group=group, points=points,
                                          order=call.rules.exclude(kind=RuleKind.ONE_PER_CALL).count())
    _derive_catalogue_filters(call)
    audit_record(actor=user, action="call.rule_added", target=call, ip=ip,
                 data={"kind": kind, "params": params, "group": group, "points": str(points), "is_hard": is_hard})
    return rule


@transaction.atomic
def rule_delete(*, user: User, call: Call, rule_id: int, ip: str | None = None) -> None:
    call = _lock(user, call)
    _refuse_if_opened(call)
    rule = EligibilityRule.objects.filter(call=call, pk=rule_id).first()
    if rule is None:
        return
    if rule.kind == RuleKind.ONE_PER_CALL:
        raise ValidationError(_("One application per company per call always applies."), code="fixed")
    rule.delete()
    _derive_catalogue_filters(call)
    audit_record(actor=user, action="call.rule_deleted", target=call, ip=ip, data={"kind": rule.kind})


def _derive_catalogue_filters(call: Call) -> None:
    """Mirror the region and industry rules into rows the catalogue can filter on in SQL."""
    # Only hard, ungrouped rules narrow the catalogue (an either-or group may let others in);
    # several region rules must all hold, so their intersection is what the catalogue shows.
    # A location rule on the site narrows to the 시·도 its codes lie in (51110 → 51); a KSIC
    # rule to the sections, divisions or their prefixes it allows (C, C2, C29; C29199 → C29).
    kinds = [RuleKind.REGION, RuleKind.INDUSTRY, RuleKind.LOCATION, RuleKind.KSIC]
    hard = [r for r in call.rules.filter(kind__in=kinds, is_hard=True, group="")]
    region_sets = [set(r.params.get("regions", [])) for r in hard if r.kind == RuleKind.REGION]
    region_sets += [{code[:2] for code in r.params.get("codes", [])} for r in hard
                    if r.kind == RuleKind.LOCATION and r.params.get("basis", "site") == "site"]
    division_sets = [set(r.params.get("divisions", [])) for r in hard if r.kind == RuleKind.INDUSTRY]
    division_sets += [{prefix[:3] for prefix in r.params.get("allow", [])} for r in hard
                      if r.kind == RuleKind.KSIC and r.params.get("allow")]
    regions = set.intersection(*region_sets) if region_sets else set()
    divisions = functools.reduce(_common_codes, division_sets) if division_sets else set()
    CallRegion.objects.filter(call=call).delete()
    CallIndustry.objects.filter(call=call).delete()
    CallRegion.objects.bulk_create(CallRegion(call=call, region=r) for r in sorted(regions))
    CallIndustry.objects.bulk_create(CallIndustry(call=call, division=d) for d in sorted(divisions))
    Call.objects.filter(pk=call.pk).update(all_regions=not region_sets, all_industries=not division_sets)
    public_pages_changed()


def _common_codes(first: set[str], second: set[str]) -> set[str]:
    """The codes both sets allow, each set naming sections, divisions or their prefixes
    (C, C2, C29): where one code lies under the other, the narrower one ({C} and {C25, C29}
    → {C25, C29})."""
    return {longer for a in first for b in second
            for shorter, longer in [sorted((a, b), key=len)] if longer.startswith(shorter)}


@transaction.atomic
def level_add(*, user: User, call: Call, data: dict) -> SupportLevel:
    call = _lock(user, call)
    _refuse_if_opened(call)
    if data["max_grant"] > call.max_grant:
        raise ValidationError(_("A level's cap cannot exceed the call's maximum grant."), code="over_call_cap")
    if SupportLevel.objects.filter(call=call, code=data["code"]).exists():
        raise ValidationError(_("This call already has a level with that code."), code="duplicate")
    level = SupportLevel.objects.create(call=call, order=call.levels.count(), **data)
    audit_record(actor=user, action="call.level_added", target=call, data={"code": level.code})
    return level


@transaction.atomic
def level_delete(*, user: User, call: Call, level_id: int) -> None:
    call = _lock(user, call)
    _refuse_if_opened(call)
    SupportLevel.objects.filter(call=call, pk=level_id).delete()
    audit_record(actor=user, action="call.level_deleted", target=call, data={"id": level_id})


@transaction.atomic
def requirement_add(*, user: User, call: Call, data: dict) -> RequiredDocument:
    call = _lock(user, call)
    _refuse_if_opened(call)
    if not data.get("formats"):
        raise ValidationError(_("Choose at least one accepted format."), code="no_format")
    requirement = RequiredDocument.objects.create(call=call, order=call.required_documents.count(), **data)
    audit_record(actor=user, action="call.document_added", target=call, data={"kind": requirement.kind})
    return requirement


@transaction.atomic
def requirement_delete(*, user: User, call: Call, requirement_id: int) -> None:
    call = _lock(user, call)
    _refuse_if_opened(call)
    RequiredDocument.objects.filter(call=call, pk=requirement_id).delete()
    audit_record(actor=user, action="call.document_deleted", target=call, data={"id": requirement_id})


def _editable_form(call: Call) -> FormVersion:
    """The version officers edit. A version an application already answered is never
    changed: editing it makes the next version, a copy."""
    form = call.form_versions.order_by("-number").first()
    if form is None:
        return FormVersion.objects.create(call=call, number=1)
    if not form.applications.exists():
        return form
    copy = FormVersion.objects.create(call=call, number=form.number + 1)
    for section in form.sections.prefetch_related("fields"):
        fields = list(section.fields.all())
        section.pk = None
        section.form = copy
        section.save()
        for field in fields:
            field.pk = None
            field.section = section
            field.save()
    return copy


@transaction.atomic
def form_section_add(*, user: User, call: Call, title_ko: str, title_en: str) -> FormSection:
    call = _lock(user, call)
    _refuse_if_opened(call)
    form = _editable_form(call)
    section = FormSection.objects.create(form=form, order=form.sections.count(), title_ko=title_ko, title_en=title_en)
    audit_record(actor=user, action="call.form_section_added", target=call, data={"form": form.number})
    return section


@transaction.atomic
def form_field_add(*, user: User, call: Call, section_id: int, data: dict) -> FormField:
    call = _lock(user, call)
    _refuse_if_opened(call)
    form = _editable_form(call)
    section = form.sections.filter(pk=section_id).first()
    if section is None:
        # The section belonged to an older version; find its copy by position.
        original = FormSection.objects.filter(pk=section_id, form__call=call).first()
        section = form.sections.filter(order=original.order).first() if original else None
    if section is None:
        raise ValidationError(_("That section no longer exists."), code="gone")
    if FormField.objects.filter(section__form=form, key=data["key"]).exists():
        raise ValidationError(_("The form already has a question with the key “%(key)s”.") % {"key": data["key"]}, code="duplicate")
    field = FormField.objects.create(section=section, order=section.fields.count(), **data)
    audit_record(actor=user, action="call.form_field_added", target=call, data={"form": form.number, "key": field.key})
    return field


@transaction.atomic
def form_field_delete(*, user: User, call: Call, field_id: int) -> None:
    call = _lock(user, call)
    _refuse_if_opened(call)
    form = _editable_form(call)
    field = FormField.objects.filter(pk=field_id, section__form__call=call).first()
    if field is None:
        return
    FormField.objects.filter(section__form=form, key=field.key).delete()
    audit_record(actor=user, action="call.form_field_deleted", target=call, data={"form": form.number, "key": field.key})


@transaction.atomic
def attachment_add(*, user: User, call: Call, title: str, upload) -> NoticeAttachment:
    call = _lock(user, call)
    # The size first: a file over the limit is not read, let alone parsed.
    if upload.size > 30 * 1024 * 1024:
        raise ValidationError(_("The file is %(size)s; the limit per file is %(limit)s.") % {"size": human_size(upload.size), "limit": "30 MB"},
                              code="too_large")
    data = b"".join(upload.chunks())
    # A PDF with a script or an embedded file is refused saying so (ContentRefused), not as "not a PDF".
    if inspect_content(io.BytesIO(data)) != "pdf":
        raise ValidationError(_("Notice attachments must be PDF files."), code="not_pdf")
    upload.seek(0)
    attachment = NoticeAttachment(call=call, title=title, size=len(data))
    attachment.file.save("notice.pdf", upload, save=True)
    audit_record(actor=user, action="call.attachment_added", target=call, data={"title": title})
    return attachment


@transaction.atomic
def clause_add(*, user: User, call: Call, kind: str, title: str, body: str):
    """Agreement clauses may change until agreements are issued; placeholders and plain
    text only (validated by the model field)."""
    call = _lock(user, call)

    clause = ClauseTemplate(call=call, kind=kind, title=title, body=body, order=call.clause_templates.count())
    clause.full_clean()
    clause.save()
    audit_record(actor=user, action="call.clause_added", target=call, data={"title": title})
    return clause


@transaction.atomic
def clause_delete(*, user: User, call: Call, clause_id: int) -> None:
    call = _lock(user, call)

    ClauseTemplate.objects.filter(call=call, pk=clause_id).delete()
    audit_record(actor=user, action="call.clause_deleted", target=call, data={"id": clause_id})
