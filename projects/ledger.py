"""The expenditure ledger (사업비 집행): expenses entered against the agreement's budget lines,
one at a time or from an XLSX file, each checked as entered (the project's period, the line's
remaining amount, the evidence number, VAT, related parties, cash); and the officer's sample
check of them (인정 / 불인정).

Every entry locks the project's row first (the lock order of projects/services.py), then reads
the lines' running totals: two members who together would exceed a line are served one after
the other, and the second is refused with what remains. A file is imported whole or not at all."""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import BudgetLine
from portal.duties import refuse_if_tied
from portal.formatting import day, won
from portal.identifiers import digits_only, is_valid_business_number
from portal.storage import STORAGE_FAILURES, store_away
from portal.uploads import inspect_upload
from projects.models import RUNNING, TAX_INVOICE_NUMBER, EvidenceKind, Expense, Project, ProjectEventType
from projects.services import project_for_update
from projects.timeline import event_record

log = logging.getLogger(__name__)
EVIDENCE_FORMATS = ["pdf", "image"]
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


@dataclasses.dataclass
class Entry:
    """One expense as entered (the form or a row of the file), before it is checked."""

    budget_line_id: int | None
    spent_on: datetime.date | None
    payee_name: str
    payee_business_number: str
    supply_amount: int | None
    vat: int | None
    evidence_kind: str
    evidence_number: str


def project_lines(project: Project) -> QuerySet[BudgetLine]:
    """The agreement's budget lines with what was spent on each (eligible, all expenses so far), in one query."""
    return (BudgetLine.objects.filter(application_id=project.application_id).order_by("order", "pk")
            .annotate(spent=Coalesce(Sum("expenses__eligible_amount", filter=Q(expenses__project=project)), 0)))


def line_totals(project: Project) -> dict:
    """Each line's amount, spent and remaining, and the sums of the cash and in-kind lines (for the pages)."""
    lines = list(project_lines(project))
    for line in lines:
        line.remaining = line.amount - line.spent
    sums = {}
    for key, in_kind in (("cash", False), ("in_kind", True)):
        chosen = [line for line in lines if line.is_in_kind == in_kind]
        sums[key] = {"amount": sum(x.amount for x in chosen), "spent": sum(x.spent for x in chosen)}
        sums[key]["remaining"] = sums[key]["amount"] - sums[key]["spent"]
    return {"lines": lines, **sums}


def _related_numbers(project: Project) -> set[str]:
    """Business numbers the project may not pay: the company's own (and, where the model has them, its declared related companies)."""
    company = project.application.company
    numbers = {digits_only(company.business_number)}
    for related in getattr(company, "related_business_numbers", None) or []:
        numbers.add(digits_only(related))
    return numbers


def check_entry(project: Project, entry: Entry, *, lines: dict[int, BudgetLine], spent: dict[int, int], numbers: set[str],
                today: datetime.date) -> tuple[list[str], int]:
    """Every reason the entry is refused, in Korean, and its eligible amount. `spent` and
    `numbers` are the running totals and the evidence numbers already used (both read under the
    project's lock, and grown by the rows before this one when a file is imported)."""
    errors: list[str] = []
    line = lines.get(entry.budget_line_id) if entry.budget_line_id is not None else None
    if line is None:
        errors.append(_("Choose a budget line of the agreement."))
    if entry.spent_on is None:
        errors.append(_("Enter the date of the expense (YYYY-MM-DD)."))
    else:
        executed = timezone.localdate(project.agreement.executed_at) if project.agreement.executed_at else project.starts_on
        if entry.spent_on < executed:
            errors.append(_("The expense is dated %(date)s, before the agreement was executed (%(executed)s): it cannot be "
                            "charged to the grant.") % {"date": day(entry.spent_on), "executed": day(executed)})
        elif not project.starts_on <= entry.spent_on <= project.ends_on:
            errors.append(_("The expense is dated %(date)s, outside the project period (%(start)s – %(end)s).")
                          % {"date": day(entry.spent_on), "start": day(project.starts_on), "end": day(project.ends_on)})
        elif entry.spent_on > today:
            errors.append(_("The expense is dated %(date)s, after today: enter it once it is paid.") % {"date": day(entry.spent_on)})
    if not entry.payee_name.strip():
        errors.append(_("Enter the payee's name."))
    number = digits_only(entry.payee_business_number)
    if not is_valid_business_number(number):
        errors.append(_("The payee's business registration number is not valid (10 digits, written as 123-45-67890, with a "
                        "correct check digit)."))
    elif number in _related_numbers(project):
        errors.append(_("The payee is the company itself or a related company: no payment to a related party can be charged "
                        "to the grant."))
    supply, vat = entry.supply_amount, entry.vat
    if supply is None or supply <= 0:
        errors.append(_("Enter the supply value in whole won, more than 0."))
    if vat is None or vat < 0:
        errors.append(_("Enter the VAT in whole won (0 or more)."))
    if entry.evidence_kind not in EvidenceKind.values:
        errors.append(_("Choose the kind of evidence: an electronic tax invoice, a card slip, a transfer record or a cash receipt."))
    evidence_number = entry.evidence_number.strip()
    if not evidence_number:
        errors.append(_("Enter the evidence number (the tax invoice's approval number, the card's approval number or the "
                        "transfer's reference)."))
    elif entry.evidence_kind == EvidenceKind.TAX_INVOICE and not TAX_INVOICE_NUMBER.match(evidence_number):
        errors.append(_("An electronic tax invoice's approval number has 24 digits."))
    elif evidence_number in numbers:
        errors.append(_("The evidence number %(number)s is already in this project's ledger: an expense is entered once.")
                      % {"number": evidence_number})
    eligible = 0
    if supply is not None and supply > 0 and vat is not None and vat >= 0:
        eligible = supply if project.vat_recoverable else supply + vat
        if entry.evidence_kind == EvidenceKind.CASH and supply + vat > project.cash_limit:
            errors.append(_("A cash payment of %(amount)s is over the limit of %(limit)s: pay by card or transfer.")
                          % {"amount": won(supply + vat), "limit": won(project.cash_limit)})
        if line is not None:
            remaining = line.amount - spent.get(line.pk, 0)
            if eligible > remaining:
                errors.append(_("%(amount)s is more than what remains of the line “%(line)s”: %(remaining)s of %(total)s.")
                              % {"amount": won(eligible), "line": line.description, "remaining": won(remaining),
                                 "total": won(line.amount)})
    return errors, eligible


def _refuse_unless_member(user, project: Project) -> None:
    if not user.has_perm("projects.enter_expense", project):
        raise PermissionDenied(_("Only the company's members enter its expenses."))
    if project.state not in RUNNING:
        raise ValidationError(_("The project is “%(state)s”: no expense can be entered. Nothing was saved.")
                              % {"state": project.get_state_display()}, code="not_running")


def _ledger_state(project: Project) -> tuple[dict[int, BudgetLine], dict[int, int], set[str]]:
    """Under the project's lock: the lines, their eligible totals so far, and the evidence numbers used."""
    lines = {line.pk: line for line in project_lines(project)}
    spent = {pk: line.spent for pk, line in lines.items()}
    numbers = set(Expense.objects.filter(project=project).values_list("evidence_number", flat=True))
    return lines, spent, numbers


def _expense(project: Project, entry: Entry, eligible: int, user) -> Expense:
    return Expense(project=project, budget_line_id=entry.budget_line_id, spent_on=entry.spent_on, payee_name=entry.payee_name.strip(),
                   payee_business_number=digits_only(entry.payee_business_number), supply_amount=entry.supply_amount, vat=entry.vat,
                   eligible_amount=eligible, evidence_kind=entry.evidence_kind, evidence_number=entry.evidence_number.strip(),
                   entered_by=user)


def expense_add(*, user, project_id: int, entry: Entry, upload: UploadedFile | None = None, ip: str | None = None,
                today: datetime.date | None = None) -> Expense:
    """Enter one expense with its evidence file (checked by content). Refused with every reason,
    nothing saved, when a check fails."""
    inspected = inspect_upload(upload, formats=EVIDENCE_FORMATS, max_bytes=EVIDENCE_MAX_BYTES) if upload is not None else None
    with transaction.atomic():
        project = project_for_update(project_id)
        _refuse_unless_member(user, project)
        lines, spent, numbers = _ledger_state(project)
        errors, eligible = check_entry(project, entry, lines=lines, spent=spent, numbers=numbers, today=today or timezone.localdate())
        if errors:
            raise ValidationError(errors, code="refused")
        expense = _expense(project, entry, eligible, user)
        stored = None
        if inspected is not None:
            expense.evidence_name, expense.evidence_format, expense.evidence_sha256 = inspected.safe_name, inspected.format, inspected.sha256
            upload.seek(0)
            try:
                expense.evidence_file.save("evidence", upload, save=False)
            except STORAGE_FAILURES as exc:
                log.error("Could not store the evidence of an expense of project %s: %s", project.pk, exc)
                raise store_away() from exc
            stored = expense.evidence_file.name
        try:
            expense.save()
            event_record(project=project, actor=user, action=ProjectEventType.EXPENSE_ADDED, ip=ip,
                         data={"expense": expense.pk, "line": expense.budget_line_id, "eligible": eligible,
                               "evidence": expense.evidence_number})
        except BaseException:
            if stored:
                expense.evidence_file.storage.delete(stored)
            raise
    return expense


def expenses_import(*, user, project_id: int, entries: list[Entry], ip: str | None = None,
                    today: datetime.date | None = None) -> list[Expense]:
    """Import the rows of a ledger file whole: every row checked against the ledger and the
    rows before it; any refusal refuses the file, with each row's reasons (row number: reason)."""
    with transaction.atomic():
        project = project_for_update(project_id)
        _refuse_unless_member(user, project)
        lines, spent, numbers = _ledger_state(project)
        today = today or timezone.localdate()
        problems: list[str] = []
        expenses: list[Expense] = []
        for row, entry in enumerate(entries, start=2):  # row 1 is the header
            errors, eligible = check_entry(project, entry, lines=lines, spent=spent, numbers=numbers, today=today)
            if errors:
                problems.extend(_("Row %(row)s: %(error)s") % {"row": row, "error": error} for error in errors)
                continue
            spent[entry.budget_line_id] = spent.get(entry.budget_line_id, 0) + eligible
            numbers.add(entry.evidence_number.strip())
            expenses.append(_expense(project, entry, eligible, user))
        if problems:
            problems.append(_("Nothing was imported: correct these rows and upload the file again."))
            raise ValidationError(problems, code="rows")
        if not expenses:
            raise ValidationError(_("The file has no expense rows. Nothing was imported."), code="empty")
        created = Expense.objects.bulk_create(expenses)
        event_record(project=project, actor=user, action=ProjectEventType.EXPENSES_IMPORTED, ip=ip,
                     data={"rows": len(created), "eligible": sum(e.eligible_amount for e in created)})
    return created


def expense_review(*, user, expense_id: int, recognised: bool, reason: str, ip: str | None = None) -> Expense:
    """The officer's sample check: recognised (인정) or not (불인정), with the reason, once per
    expense; recorded in the project's timeline."""
    project_id = Expense.objects.values_list("project_id", flat=True).get(pk=expense_id)
    seen = Project.objects.select_related("application__company", "application__call__program").get(pk=project_id)
    refuse_if_tied(user, seen.application.company, action="project", target=seen, ip=ip)
    with transaction.atomic():
        project = project_for_update(project_id)
        if not user.has_perm("projects.review_expense", project):
            raise PermissionDenied(_("Only the program's officers review expenses."))
        expense = Expense.objects.select_for_update(of=("self",)).get(pk=expense_id)
        reason = reason.strip()
        if expense.recognised is not None:
            raise ValidationError(_("This expense was already reviewed (%(result)s). Nothing was changed.")
                                  % {"result": _("recognised") if expense.recognised else _("not recognised")}, code="reviewed")
        if not reason:
            raise ValidationError(_("Give the reason for the review; the company reads it. Nothing was changed."), code="reason")
        expense.recognised, expense.review_reason, expense.reviewed_by, expense.reviewed_at = recognised, reason, user, timezone.now()
        expense.save(update_fields=["recognised", "review_reason", "reviewed_by", "reviewed_at"])
        event_record(project=project, actor=user, action=ProjectEventType.EXPENSE_REVIEWED, ip=ip, message=reason,
                     data={"expense": expense.pk, "recognised": recognised, "eligible": expense.eligible_amount,
                           "evidence": expense.evidence_number})
    return expense
