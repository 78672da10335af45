"""Back up the database (as Django's JSON, portable between SQLite and PostgreSQL) and the
uploaded files into one .tar.gz. `restore` reads it back into an empty database."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


def _walk(storage, folder: str = ""):
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing was ever uploaded
        return
    for name in files:
        yield f"{folder}/{name}".lstrip("/")
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}".lstrip("/"))


class Command(BaseCommand):
    help = "Write a backup (database and uploaded files) to a .tar.gz file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default=str(Path(settings.VAR_DIR) / "backups" / f"portal-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"))

    def handle(self, *args, output: str, **options) -> None:
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = io.StringIO()
        # Primary keys are kept: the audit trail's hashes include them.
        call_command("dumpdata", "--natural-foreign", *[f"--exclude={e}" for e in EXCLUDE],
                     "--indent=0", stdout=data)
        files = list(_walk(default_storage))
        with tarfile.open(target, "w:gz") as archive:
            payload = data.getvalue().encode()
            info = tarfile.TarInfo("database.json")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
            manifest = json.dumps({"created_at": timezone.now().isoformat(), "files": len(files)}).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(manifest)
            archive.addfile(info, io.BytesIO(manifest))
            for name in files:
                with default_storage.open(name, "rb") as handle:
                    content = handle.read()
                info = tarfile.TarInfo(f"media/{name}")
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        self.stdout.write(f"Backup written to {target} ({len(files)} files)")
