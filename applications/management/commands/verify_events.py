"""Recompute every keyed hash chain and compare the database with the anchors; report any tampering."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from applications.models import Application
from applications.services.events import verify_chain
from portal.services.anchors import anchors_check
from portal.services.audit import verify_audit_chain
from portal.services.head_log import APPLICATIONS, chains


class Command(BaseCommand):
    help = ("Verify the application event chains, the audit chain, and the database against the anchors — the newest "
            "checkpoint, the head log and the chain of sweep files since (portal/services/anchors.py); exits non-zero if "
            "anything was altered or removed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--anchor", default=None, help="the checkpoint to start from (a name in the anchors storage; default: the newest)")
        parser.add_argument("--from-first", action="store_true",
                            help="also check the chain of sweep files from its first file, and every checkpoint against the one before")

    def handle(self, *args, anchor=None, from_first=False, **options) -> None:
        # The anchors' findings are told in the portal's language, whatever the shell's locale.
        with translation.override(settings.LANGUAGE_CODE):
            self._verify(anchor=anchor, from_first=from_first)

    def _verify(self, *, anchor: str | None, from_first: bool) -> None:
        problems: list[str] = []
        checked = 0
        for application in Application.objects.order_by("pk").iterator(chunk_size=500):
            checked += 1
            problems += [f"application {application.pk} ({application.receipt_number or 'draft'}): {p}" for p in verify_chain(application)]
        others = 0  # the chained records of the apps above (projects' timelines), each by its own check
        for chain in chains():
            if chain.key == APPLICATIONS or chain.verify is None:
                continue
            for record in chain.record_model().objects.order_by("pk").iterator(chunk_size=500):
                others += 1
                problems += [f"{chain.noun} {record.pk}: {p}" for p in chain.verify(record)]
        problems += verify_audit_chain()
        anchored = anchors_check(checkpoint=anchor, from_first=from_first)
        problems += anchored.problems
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} application(s), the audit log or the anchors.")
        chain = f", {anchored.chain.files} chain file(s) up to no. {anchored.chain.newest[0]}" if anchored.chain.files else ""
        if anchored.checkpoint:
            against = f", against anchor {anchored.checkpoint} and {anchored.log_files} head log file(s){chain} since"
        elif anchored.log_files or chain:
            against = f", against {anchored.log_files} head log file(s){chain}; no checkpoint written yet"
        else:
            against = ", no anchor written yet"
        also = f", {others} other chained record(s)" if others else ""
        self.stdout.write(self.style.SUCCESS(f"All chains verify ({checked} applications{also} and the audit log{against})."))
