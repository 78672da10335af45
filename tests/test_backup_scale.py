"""Backups hold at production scale: 10,000 submitted applications, each
with its keyed event chain and a 24 KiB document (240 MB of files, more than the memory
bound), are backed up and restored into another PostgreSQL database by the real commands
in their own processes; each process stays under MEMORY_BOUND_MB of resident memory, and the
restored database verifies its chains against the anchor written before the backup.
SQLite's online backup is proven the same way, end to end, in a throwaway folder."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from applications.models import Application, ApplicationDocument, ApplicationEvent, EventType, FormVersion, State
from applications.services.events import event_digest
from portal.identifiers import business_number_check_digit
from portal.models import Company, Region
from portal.services.anchors import anchor_write

pytestmark = pytest.mark.django_db(transaction=True)

APPLICATIONS = 10_000
FILE_BYTES = 24 * 1024
# A Django process with the portal loaded is about 70 MB; the bound leaves room for the
# chunked copies and the manifest, and is far below the 240 MB of files that pass through.
MEMORY_BOUND_MB = 160
ROOT = Path(__file__).resolve().parent.parent

# Runs a command and reports the peak resident memory of the command's process tree.
MEASURE = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
           "print(f'PEAK_RSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); sys.exit(code)")


def _manage(*args: str, env: dict, measure: bool = False) -> tuple[subprocess.CompletedProcess, float]:
    command = [sys.executable, "manage.py", *args]
    if measure:
        command = [sys.executable, "-c", MEASURE, *command]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    peak = re.search(r"PEAK_RSS_KB=(\d+)", result.stdout)
    return result, (int(peak.group(1)) / 1024 if peak else 0.0)


def _env(tmp_path: Path, *, database: str | None, media: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.pop("DATABASE_URL", None)
    if database:
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    env.update(PORTAL_VAR_DIR=str(tmp_path), MEDIA_ROOT=str(media), SECRET_KEY=django_settings.SECRET_KEY,
               EVENT_CHAIN_KEY=django_settings.EVENT_CHAIN_KEY or "")
    return env


def _seed(call, user, count: int) -> None:
    """`count` submitted applications, each with a created and a submitted event chained
    under the portal's key and one document on disk — written in bulk, as a year would leave them."""
    form = FormVersion.objects.filter(call=call).order_by("-number").first() or FormVersion.objects.create(call=call, number=1)
    now = timezone.now().replace(microsecond=0)
    companies = []
    for n in range(count):
        nine = f"{200_000_000 + n:09d}"
        companies.append(Company(
            name=f"백업기업{n}", business_number=nine + str(business_number_check_digit(nine)), representative_name="대표",
            address="서울특별시 중구 세종대로 110", region=Region.values[n % len(Region.values)], ksic_code="C29111",
            founded_on=datetime.date(2015, 1, 1), employees=10, fiscal_year=2025, revenue_latest=1, revenue_previous=1,
            revenue_before_previous=1, total_assets=1))
    Company.objects.bulk_create(companies, batch_size=2000)
    applications = Application.objects.bulk_create(
        [Application(call=call, company=company, form_version=form, created_by=user, state=State.SUBMITTED,
                     receipt_number=f"{call.code}-{n + 1:05d}", grant_requested=100_000_000, submitted_at=now,
                     answers={"summary": f"신청서 {n}의 사업 개요"}) for n, company in enumerate(companies)],
        batch_size=2000)
    events, heads = [], {}
    for application in applications:
        prev = ""
        for seq, (action, from_state, to_state) in enumerate(
                [(EventType.CREATED, "", State.DRAFT), (EventType.SUBMITTED, State.DRAFT, State.SUBMITTED)], start=1):
            digest = event_digest(application_id=application.pk, seq=seq, created_at=now, actor_id=user.pk, action=action,
                                  from_state=from_state, to_state=to_state, message="", ip="127.0.0.1", data={},
                                  prev_hash=prev)
            events.append(ApplicationEvent(application=application, seq=seq, created_at=now, actor_id=user.pk,
                                           action=action, from_state=from_state, to_state=to_state, message="",
                                           ip_address="127.0.0.1", data={}, prev_hash=prev, hash=digest))
            prev = digest
        heads[application.pk] = prev
    ApplicationEvent.objects.bulk_create(events, batch_size=5000)
    for application in applications:
        application.event_head = heads[application.pk]
    Application.objects.bulk_update(applications, ["event_head"], batch_size=2000)
    documents = []
    media = Path(django_settings.MEDIA_ROOT)
    for application in applications:
        content = os.urandom(FILE_BYTES)
        name = f"applications/{application.pk}/{hashlib.md5(content).hexdigest()}.pdf"
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(content)
        documents.append(ApplicationDocument(application=application, file=name, original_name="사업계획서.pdf",
                                             detected_format="pdf", size=FILE_BYTES,
                                             sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user))
    ApplicationDocument.objects.bulk_create(documents, batch_size=2000)


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_ten_thousand_applications_back_up_and_restore_under_the_memory_bound(call, alice, tmp_path, restored_database):
    if connection.vendor != "postgresql":
        pytest.skip("the production-scale backup runs against PostgreSQL")
    _seed(call, alice, APPLICATIONS)
    anchor_write()
    archive = tmp_path / "backups" / "portal.tar"
    files_bytes = APPLICATIONS * FILE_BYTES

    started = time.monotonic()
    result, peak = _manage("backup", "--output", str(archive), measure=True,
                           env=_env(tmp_path, database=connection.settings_dict["NAME"], media=Path(django_settings.MEDIA_ROOT)))
    assert result.returncode == 0, result.stderr
    # The checkpoint and every head log file the set-up's commits wrote (its own audit record's among them).
    anchors = len(list((tmp_path / "anchors").rglob("*.json.gz")))
    assert anchors > 1 and f"postgresql database, {APPLICATIONS} files, {anchors} anchors" in result.stdout
    assert archive.stat().st_size > files_bytes > MEMORY_BOUND_MB * 1024 * 1024
    assert peak < MEMORY_BOUND_MB, f"backup peaked at {peak:.0f} MB"
    print(f"backup: {archive.stat().st_size / 2**20:.0f} MB archive in {time.monotonic() - started:.1f} s, peak RSS {peak:.0f} MB")
    assert not list(archive.parent.glob("*.partial")) and not list(archive.parent.glob(".backup-*"))
    with tarfile.open(archive) as tar:
        names = {member.name for member in tar}
    assert {"database.pgdump", "manifest.json"} <= names and any(name.startswith("anchors/") for name in names)

    restored_media = tmp_path / "restored-media"
    env = _env(tmp_path, database=restored_database, media=restored_media)
    started = time.monotonic()
    result, peak = _manage("restore", str(archive), env=env, measure=True)
    assert result.returncode == 0, result.stderr
    assert f"Restored the database, {APPLICATIONS} files" in result.stdout
    assert peak < MEMORY_BOUND_MB, f"restore peaked at {peak:.0f} MB"
    print(f"restore: {time.monotonic() - started:.1f} s, peak RSS {peak:.0f} MB")

    # Every row and file is back, and the chains verify against the anchor written before the backup.
    started = time.monotonic()
    result, _ = _manage("verify_events", env=env)
    print(f"verify_events: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stderr
    assert f"All chains verify ({APPLICATIONS} applications and the audit log, against anchor" in result.stdout
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{restored_database}") as restored:
        for model in (Company, Application, ApplicationEvent, ApplicationDocument):
            table = model._meta.db_table
            count = restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            assert count == model.objects.count(), table
        assert restored.execute("SELECT count(*) FROM django_session").fetchone()[0] == 0
    for document in ApplicationDocument.objects.order_by("?")[:25]:
        assert hashlib.sha256((restored_media / document.file.name).read_bytes()).hexdigest() == document.sha256
    def files(folder: Path) -> int:
        return sum(1 for path in folder.rglob("*") if path.is_file())

    assert files(restored_media) == files(Path(django_settings.MEDIA_ROOT)) == APPLICATIONS


def test_an_altered_archive_is_refused_before_anything_is_restored(alice, tmp_path):
    from django.core.management import CommandError, call_command

    archive = tmp_path / "portal.tar"
    default_storage.save("applications/1/plan.pdf", __import__("io").BytesIO(b"%PDF-1.7 plan"))
    call_command("backup", "--output", str(archive), stdout=__import__("io").StringIO())
    data = bytearray(archive.read_bytes())
    at = data.index(b"%PDF-1.7 plan")
    data[at + 9] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="altered"):
        call_command("restore", "--check", str(archive), stdout=__import__("io").StringIO())
    with pytest.raises(CommandError, match="altered"):
        call_command("restore", "--force", str(archive), stdout=__import__("io").StringIO())
    assert alice.__class__.objects.filter(pk=alice.pk).exists()


def test_sqlite_is_backed_up_online_and_restored_end_to_end(tmp_path):
    """A laptop's portal (SQLite, demo data) backed up with the online backup API and restored
    into another folder, by the real commands; the restored chains verify."""
    source, target = tmp_path / "laptop", tmp_path / "restored"
    env = _env(source, database=None, media=source / "media") | {"DEBUG": "true"}
    for step in (("migrate", "-v0"), ("load_demo",), ("backup", "--output", str(tmp_path / "laptop.tar"))):
        result, _ = _manage(*step, env=env)
        assert result.returncode == 0, result.stderr
    env = _env(target, database=None, media=target / "media")
    result, _ = _manage("restore", str(tmp_path / "laptop.tar"), env=env)
    assert result.returncode == 0, result.stderr
    result, _ = _manage("verify_events", env=env)
    assert result.returncode == 0 and "All chains verify" in result.stdout, result.stderr
    import sqlite3

    with sqlite3.connect(source / "portal.sqlite3") as original, sqlite3.connect(target / "portal.sqlite3") as copy:
        for table in ("portal_user", "portal_company", "applications_call", "portal_auditevent"):
            assert copy.execute(f"SELECT count(*) FROM {table}").fetchone() == original.execute(f"SELECT count(*) FROM {table}").fetchone()
