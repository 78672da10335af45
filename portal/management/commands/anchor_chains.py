"""Write a checkpoint of every chain's head now (the beat job does it daily at 00:10 KST)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.services.anchors import AnchorWithheld, anchor_write


class Command(BaseCommand):
    help = ("Write a checkpoint of every hash chain's head to the anchors storage. Refused while something anchored "
            "since the previous checkpoint is gone, unless --despite gives the reason (recorded in the audit log).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--despite", default="", help="write it although anchored heads are gone, for this reason "
                                                          "(e.g. a recovery that lost minutes you know of)")

    def handle(self, *args, despite: str = "", **options) -> None:
        try:
            name = anchor_write(despite=despite.strip())
        except AnchorWithheld as withheld:
            for problem in withheld.problems:
                self.stderr.write(problem)
            raise CommandError(f"No checkpoint written: {len(withheld.problems)} anchored head(s) no longer hold. "
                               "Find out why (manage.py verify_events); --despite REASON writes it anyway.") from None
        self.stdout.write(self.style.SUCCESS(f"Checkpoint {name} written."))
