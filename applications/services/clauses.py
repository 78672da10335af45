"""Revising a program family's standard agreement clauses (협약 일반조건). A revision is a new
version with the day it takes effect: agreements prepared from then on take it, and every
agreement prepared before keeps the version it was drafted with (applications/models/clauses.py)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Clause, ClauseSet
from applications.models.clauses import lock_versions
from portal.services.audit import audit_record


@transaction.atomic
def clause_set_revise(*, user, clause_set_id: int, effective_on: datetime.date | None = None) -> ClauseSet:
    """A new version of the family's clauses with the text of `clause_set_id`, to be edited
    before it takes effect: by default the next day (KST), and never before the latest
    version's own day."""
    source = ClauseSet.objects.get(pk=clause_set_id)
    lock_versions(source.family)  # then the latest, read after the lock: two revisions at once get two numbers
    latest = ClauseSet.objects.filter(family=source.family).order_by("-version").first()
    effective_on = max(effective_on or timezone.localdate() + datetime.timedelta(days=1), latest.effective_on)
    try:
        with transaction.atomic():
            revision = ClauseSet.objects.create(family=source.family, version=latest.version + 1, effective_on=effective_on,
                                                title=source.title)
    except IntegrityError:
        # Only if a version was numbered without the lock (e.g. written into the database by
        # hand): a refusal in words, never a server error.
        raise ValidationError(_("Another version of these clauses was made at the same moment. Nothing was made; look at the "
                                "versions again and revise the newest."), code="version_taken") from None
    Clause.objects.bulk_create(Clause(clause_set=revision, order=c.order, kind=c.kind, heading=c.heading, body=c.body)
                               for c in source.clauses.all())
    audit_record(actor=user, action="clauses.revised", target=revision,
                 data={"family": revision.family, "version": revision.version, "from_version": source.version,
                       "effective_on": effective_on.isoformat()})
    return revision
