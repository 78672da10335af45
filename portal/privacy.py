"""The consents a person is asked for at sign-up (개인정보 보호법 §15–16, §22): for each,
the four things the law says the person must be told — the purpose, the items collected,
how long they are kept, and the right to refuse with what refusing means. Changing a text
means a new VERSION: consents record the version the person saw."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.models import Consent
from portal.retention import years_text

VERSION = "2026-12-07"


@dataclass(frozen=True)
class ConsentItem:
    key: str
    required: bool
    title: Promise
    purpose: Promise
    items: Promise
    retention: Promise
    refusal: Promise


def _retention_of_personal_information() -> str:

    return gettext(
        "Until you leave the portal: your details are deleted the moment you leave, and the record of your consents is kept "
        "%(years)s more as evidence. Records of applications and agreements are kept for five years after the agreement ends, "
        "as the Subsidy Management Act and the programs' rules require, and name a person who left by a pseudonym. The privacy "
        "policy lists every period."
    ) % {"years": years_text(settings.RETENTION_CONSENTS_YEARS)}


CONSENT_ITEMS = (
    ConsentItem(
        key="personal_information", required=True,
        title=_("Collection and use of personal information (required)"),
        purpose=_("To identify you as a member, and to receive, screen, evaluate and select applications for support programs, "
                  "conclude and manage agreements, and keep the records the law requires."),
        items=_("Name, e-mail address, password (stored only as a one-way hash), position, and the record of your access "
                "(IP address and time)."),
        # The period is a setting (RETENTION_CONSENTS_YEARS): the text is written when shown.
        retention=lazy(_retention_of_personal_information, str)(),
        refusal=_("You may refuse. Without this consent you cannot sign up, so you cannot apply for support programs."),
    ),
    ConsentItem(
        key="program_news", required=False,
        title=_("News of new calls and briefings by e-mail (optional)"),
        purpose=_("To tell you of new calls and briefing sessions."),
        items=_("Name and e-mail address."),
        retention=_("Until you withdraw this consent or leave the portal."),
        refusal=_("You may refuse; refusing changes nothing about signing up or applying."),
    ),
)


def consent_record(*, user, answers: dict[str, bool], ip: str | None = None) -> None:
    """Store one row per item: what the person answered, to which version, and when."""

    now = timezone.now()
    Consent.objects.bulk_create([
        Consent(user=user, item=item.key, version=VERSION, granted=bool(answers.get(item.key)), recorded_at=now, ip_address=ip)
        for item in CONSENT_ITEMS
    ])
