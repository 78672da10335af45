"""Restore a backup made by `backup` (portal/services/backups.py): every digest is checked
against the manifest before anything is touched; then the database and the files."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.services import backups


class Command(BaseCommand):
    help = "Check a backup archive and restore it into an empty database (then run migrate and verify_events)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="replace the database even if it has users")
        parser.add_argument("--check", action="store_true", help="only check the archive against its manifest")

    def handle(self, *args, archive: str, force: bool = False, check: bool = False, **options) -> None:
        path = Path(archive)
        try:
            if check:
                manifest = backups.check(path)
                self.stdout.write(f"{path}: every member matches the manifest ({len(manifest.get('sha256', {}))} members).")
                return
            restored = backups.restore(path, force=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        # A backup made by an older release is brought up to this code's schema.
        call_command("migrate", verbosity=0, interactive=False)
        self.stdout.write(f"Restored the database, {restored['media']} files and {restored['anchors']} anchors from {path}. "
                          "Run `manage.py verify_events` to check the restored chains.")
