"""Restore a backup made by `backup` into an empty, migrated database and the file storage."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import User


class Command(BaseCommand):
    help = "Restore a backup .tar.gz into an empty database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="restore even if the database has users")

    def handle(self, *args, archive: str, force: bool = False, **options) -> None:
        if User.objects.exists() and not force:
            raise CommandError("The database is not empty; restore into a fresh, migrated database (or pass --force).")
        with tarfile.open(archive, "r:gz") as bundle, tempfile.TemporaryDirectory() as folder:
            members = {m.name: m for m in bundle.getmembers() if m.isfile()}
            if "database.json" not in members:
                raise CommandError("This is not a portal backup (no database.json).")
            dump = Path(folder) / "database.json"
            dump.write_bytes(bundle.extractfile(members["database.json"]).read())
            with transaction.atomic():
                call_command("loaddata", str(dump), verbosity=0)
            restored = 0
            for name, member in members.items():
                if name.startswith("media/") and ".." not in name:
                    path = name.removeprefix("media/")
                    if default_storage.exists(path):
                        default_storage.delete(path)
                    default_storage.save(path, ContentFile(bundle.extractfile(member).read()))
                    restored += 1
        self.stdout.write(f"Restored the database and {restored} files from {archive}")
