"""Back up the database (with its own tools) and every stored file into one tar archive
(portal/services/backups.py); memory stays flat whatever the size."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.services import backups


class Command(BaseCommand):
    help = ("Write a backup: the database (pg_dump custom format, or SQLite's online backup), the stored files and the "
            "chain anchors, streamed into one .tar with a manifest of SHA-256 digests.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default=None, help="the archive to write (default: var/backups/portal-<time>.tar)")
        parser.add_argument("--no-files", action="store_true",
                            help="leave out the stored files (when object-storage versioning keeps them; docs/deployment.md)")

    def handle(self, *args, output: str | None = None, no_files: bool = False, **options) -> None:
        target = Path(output or Path(settings.VAR_DIR) / "backups" / f"portal-{timezone.now():%Y%m%d-%H%M%S}.tar")
        try:
            manifest = backups.write(target, files=not no_files)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = "no stored files" if manifest["media"] is None else f"{manifest['media']} files"
        self.stdout.write(f"Backup written to {target} ({manifest['vendor']} database, {files}, "
                          f"{manifest['anchors']} anchors, {target.stat().st_size:,} bytes)")
