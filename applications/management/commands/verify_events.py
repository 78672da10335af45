"""Recompute every keyed hash chain and compare with the newest anchor; report any tampering."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from applications.models import Application
from applications.services.events import verify_chain
from portal.services.anchors import latest_anchor_name, verify_against_anchor
from portal.services.audit import verify_audit_chain


class Command(BaseCommand):
    help = ("Verify the application event chains, the audit chain and the newest anchor (portal/services/anchors.py); "
            "exits non-zero if anything was altered or removed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--anchor", default=None, help="the anchor to compare with (a name in the anchors storage; default: the newest)")

    def handle(self, *args, anchor=None, **options) -> None:
        problems: list[str] = []
        checked = 0
        for application in Application.objects.order_by("pk").iterator(chunk_size=500):
            checked += 1
            problems += [f"application {application.pk} ({application.receipt_number or 'draft'}): {p}" for p in verify_chain(application)]
        problems += verify_audit_chain()
        name = anchor or latest_anchor_name()
        problems += verify_against_anchor(name)
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} application(s), the audit log or the anchor.")
        against = f", against anchor {name}" if name else ", no anchor written yet"
        self.stdout.write(self.style.SUCCESS(f"All chains verify ({checked} applications and the audit log{against})."))
