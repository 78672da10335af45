"""The person's own copy of what the portal holds about them (개인정보 보호법 §35, 열람): the
account, consents, memberships, declared ties, the records of staff reading records about
them, their own access records, and every app's sections (portal/personal_data.py). The page
shows the newest rows of each section; the download is all of it, as JSON, streamed."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal import personal_data
from portal.access import page_label
from portal.audit_actions import record_kind
from portal.models import AccessRecord, Consent, User
from portal.personal_data import Section
from portal.privacy import CONSENT_ITEMS

ACTIONS = {"view": _("Viewed"), "list": _("Listed"), "download": _("Downloaded"), "export": _("Exported")}
RECORD_TYPES = {
    "portal.user": _("Your account"), "portal.company": _("Company"), "portal.companymembership": _("Company membership"),
    "applications.application": _("Application"), "applications.agreement": _("Agreement"),
    "reviews.assignment": _("Evaluation of an application"),
}


def _record_type(target_type: str) -> str:
    return str(RECORD_TYPES[target_type]) if target_type in RECORD_TYPES else record_kind(target_type) if target_type else ""


def own_sections(user: User) -> list[Section]:
    """Every section of the person's copy, the portal's first."""
    sections = [_account(user), _consents(user), _memberships(user), _ties(user), _reads_about(user), _own_reads(user)]
    for holder in personal_data.holders():
        sections.extend(holder.sections(user))
    return [section for section in sections if section is not None]


def _account(user: User) -> Section:
    rows = [
        [gettext("E-mail address"), user.email], [gettext("Name"), user.name], [gettext("Position"), user.position],
        [gettext("Phone"), user.phone], [gettext("Signed up"), user.date_joined], [gettext("Last signed in"), user.last_login],
    ]
    return Section("account", _("Your account"), (_("Item"), _("Held")), len(rows), lambda: rows)


def _consents(user: User) -> Section:
    titles = {item.key: str(item.title) for item in CONSENT_ITEMS}
    queryset = Consent.objects.filter(user=user).order_by("-recorded_at", "-pk")

    def rows():
        for consent in queryset.iterator(chunk_size=500):
            yield [titles.get(consent.item, consent.item), consent.granted, _version_day(consent.version), consent.recorded_at,
                   consent.ip_address]

    return Section("consents", _("Your consents"), (_("Consent item"), _("Consented"), _("Text version"), _("Time"), _("Address")),
                   queryset.count(), rows)


def _version_day(version: str) -> datetime.date | str:
    """A consent text's version is the day it took effect (portal/privacy.py)."""
    try:
        return datetime.date.fromisoformat(version)
    except ValueError:
        return version


def _memberships(user: User) -> Section:
    queryset = user.memberships.select_related("company").order_by("company__name")

    def rows():
        for membership in queryset:
            yield [membership.company.name, membership.company.business_number_display, membership.get_role_display(),
                   membership.can_sign, membership.created_at]

    return Section("memberships", _("Companies you act for"),
                   (_("Company"), _("Business registration number"), _("Role"), _("May sign agreements"), _("Since")),
                   queryset.count(), rows)


def _ties(user: User) -> Section | None:
    queryset = user.ties.order_by("-created_at")
    if not queryset.exists():
        return None

    def rows():
        for tie in queryset:
            yield [tie.business_number_display, tie.get_kind_display(), tie.note, tie.created_at]

    return Section("ties", _("Ties you declared to companies"), (_("Business registration number"), _("Tie"), _("Note"), _("Time")),
                   queryset.count(), rows)


def records_about(user: User) -> list[tuple[str, list[str]]]:
    """(record type, ids) of the records about the person, from every holder."""
    targets = [("portal.user", [str(user.pk)]),
               ("portal.company", [str(pk) for pk in user.memberships.values_list("company_id", flat=True)])]
    for holder in personal_data.holders():
        targets.extend(holder.about(user))
    return [(kind, ids) for kind, ids in targets if ids]


def _reads_about(user: User) -> Section:
    """Reads by staff of records about the person. Who read them is the staff member's own
    information (§35 ④ lets it be withheld); what, when and how is shown."""
    conditions = [Q(target_type=kind, target_id__in=ids) for kind, ids in records_about(user)]
    queryset = AccessRecord.objects.filter(reduce(or_, conditions)).exclude(actor=user).order_by("-created_at", "-pk")

    def rows():
        for record in queryset.iterator(chunk_size=2000):
            yield [record.created_at, str(ACTIONS.get(record.action, record.action)), _record_type(record.target_type), record.target_id]

    return Section("reads_about_you", _("Reads of records about you by the agency's staff"),
                   (_("Time"), _("What was done"), _("Record type"), _("Record")), queryset.count(), rows)


def _own_reads(user: User) -> Section | None:
    """A person acting for the agency is recorded reading: those records are about them too."""
    queryset = AccessRecord.objects.filter(actor=user).order_by("-created_at", "-pk")
    if not queryset.exists():
        return None

    def rows():
        for record in queryset.iterator(chunk_size=2000):
            yield [record.created_at, record.ip_address, str(ACTIONS.get(record.action, record.action)), page_label(record.page),
                   _record_type(record.target_type), record.target_id]

    return Section("your_access_records", _("Your own access records"),
                   (_("Time"), _("Accessed from"), _("What was done"), _("Page"), _("Record type"), _("Record")), queryset.count(), rows)


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def own_copy_json(user: User, *, now: datetime.datetime | None = None) -> Iterator[str]:
    """The whole copy as one JSON document, written a row at a time (an officer's own access
    records may run to hundreds of thousands): {"person", "made_at", "sections": {key: {"title",
    "columns", "rows"}}}."""
    now = now or timezone.now()
    yield "{" + json.dumps("made_at") + ": " + json.dumps(_json_value(now)) + ', "sections": {'
    for number, section in enumerate(own_sections(user)):
        head = {"title": str(section.title), "columns": [str(c) for c in section.columns], "count": section.count}
        yield ("," if number else "") + "\n" + json.dumps(section.key) + ": " + json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": ['
        for index, row in enumerate(section.rows()):
            yield ("," if index else "") + "\n  " + json.dumps([_json_value(cell) for cell in row], ensure_ascii=False)
        yield "]}"
    yield "\n}}\n"
