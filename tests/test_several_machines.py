"""The portal as docs/deployment.md deploys it, on this one machine: two web machines (gunicorn,
each with its own var folder and no disk in common), a Celery worker with a third, beat with a
fourth, an S3-compatible object store (moto's server, started here), PostgreSQL and Redis.
Every request goes to a named web machine over HTTP, as the load balancer would send it; the
test process only prepares rows and looks at the outcome.

What one web machine does, the other sees: an upload through A is downloaded through B; the
agreement PDF the worker renders is read through B; a sign-in lockout earned on A holds on B;
a call changed through A shows at once on both machines' cached public pages; beat's jobs run
on the worker and its heartbeat is seen by B; and killing A (SIGKILL) in the middle of a
submission loses nothing — the retry through B submits exactly once. After each test, no
machine's var folder holds a stored file: everything lives in the object store."""

from __future__ import annotations

import hashlib
import http.cookiejar
import io
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from applications.models import Agreement, Application, ApplicationEvent, Call, EventType, State
from benchmarks.gunicorn_server import ROOT, database_url, free_port
from portal.models import OutboundEmail
from tests.browsing import Form, parse
from tests.conftest import PASSWORD, NoRedirect, _unavailable, make_complete_draft, totp_code, wait_until
from tests.files import pdf_bytes

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True),
    # The module's tests share one fleet of processes: kept on one xdist worker, it starts once.
    pytest.mark.xdist_group("several_machines"),
]

MEDIA_BUCKET = "portal-media"
ANCHOR_BUCKET = "portal-anchors"
REGION = "us-east-1"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "portal-test", "AWS_SECRET_ACCESS_KEY": "portal-test-secret"}
# Generous for a busy 2-core machine: a process is waited for only as long as it takes to answer.
STARTUP = 120
TOO_MANY_FAILURES = "너무 많은 로그인 실패가 감지되었습니다. 잠시 후에 다시 시도하세요."


# --- The machines -----------------------------------------------------------------------------

class Machine:
    """One machine: a process group of its own, its own var folder (PORTAL_VAR_DIR) and its log."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], root: Path, *, port: int | None = None) -> None:
        self.name, self.command, self.port = name, command, port
        self.var = root / name
        self.log = root.parent / "logs" / f"{name}.log"
        self.env = env | {"PORTAL_VAR_DIR": str(self.var)}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Machine:
        self.var.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole machine (gunicorn's arbiter and its workers): nothing gets to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@dataclass
class Fleet:
    root: Path
    s3_url: str
    s3: object  # a boto3 S3 client of the store
    store: Machine
    web_a: Machine
    web_b: Machine
    worker: Machine
    env: dict[str, str]

    def s3_options(self) -> dict:
        return {"bucket_name": MEDIA_BUCKET, "endpoint_url": self.s3_url, "region_name": REGION,
                "access_key": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"], "secret_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}

    def stored(self, bucket: str, key: str) -> bytes:
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]

    def beat(self) -> Machine:
        """Beat on a machine of its own, its schedule file in its own var folder."""
        var = self.root / "beat"
        return Machine("beat", [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "WARNING",
                                "--scheduler", "tests.overdue_beat:OverdueScheduler", "--schedule", str(var / "celerybeat-schedule")],
                       self.env, self.root)

    def start_store(self) -> None:
        """The store with its two buckets (moto keeps objects in memory: a restarted store is empty)."""
        self.store.start()
        assert wait_until(lambda: answers(self.s3_url) is not None, timeout=STARTUP), self.store.log_tail()
        for bucket in (MEDIA_BUCKET, ANCHOR_BUCKET):
            self.s3.create_bucket(Bucket=bucket)

    def ensure_running(self) -> None:
        """A machine stopped or killed by an earlier test is started again (as a replacement would be)."""
        if not self.store.running():
            self.start_store()
        for machine in (self.web_a, self.web_b):
            if not machine.running():
                machine.start()
                assert wait_until(lambda m=machine: answers(f"{m.url}/healthz") == 200, timeout=STARTUP), machine.log_tail()


def worker_answers(nodename: str) -> bool:
    from portal.celery import app

    return bool(app.control.ping(destination=[nodename], timeout=0.5))


@pytest.fixture(scope="module")
def fleet(request, tmp_path_factory):
    # Before the shared fixtures' own service checks, which run later (they are per test).
    if connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL: set DATABASE_URL")
    if not settings.REDIS_URL:
        _unavailable("needs Redis: set REDIS_URL")
    request.getfixturevalue("django_db_setup")  # the test database the machines connect to
    import boto3

    root = tmp_path_factory.mktemp("several-machines")
    var = root / "var"
    s3_port = free_port()
    s3_url = f"http://127.0.0.1:{s3_port}"
    store = Machine("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)], dict(os.environ), var)
    # What every machine of the deployment shares: the database, Redis (inherited: REDIS_URL and
    # REDIS_CACHE_DB), the object store, SECRET_KEY. Nothing points at a folder in common.
    env = {k: v for k, v in os.environ.items() if k not in ("MEDIA_ROOT", "STATIC_ROOT", "CELERY_FS_DIR")} | {
        # The portal's settings with a quick password hasher: the test's people were made with it.
        "DJANGO_SETTINGS_MODULE": "tests.fast_hashing_settings",
        "DATABASE_URL": database_url(), "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECRET_KEY": settings.SECRET_KEY, "LOG_LEVEL": "WARNING", "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": MEDIA_BUCKET, "ANCHOR_BUCKET": ANCHOR_BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_url, "AWS_S3_REGION_NAME": REGION, **S3_CREDENTIALS,
    }

    def web(name: str) -> Machine:
        port = free_port()
        return Machine(name, [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
                              "--workers", "1", "--threads", "4", "--timeout", "60", "--log-level", "warning"], env, var, port=port)

    nodename = f"worker-{secrets.token_hex(4)}@machines"
    worker = Machine("worker", [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency", "1", "--loglevel", "WARNING",
                                "--hostname", nodename, "--without-gossip", "--without-mingle"], env, var)
    web_a, web_b = web("web-a"), web("web-b")
    from portal.celery import app

    app.control.purge()  # tasks earlier tests left in this broker database are not this fleet's
    for machine in (web_a, web_b, worker):
        machine.start()
    s3 = boto3.client("s3", endpoint_url=s3_url, region_name=REGION, aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    found = Fleet(root=var, s3_url=s3_url, s3=s3, store=store, web_a=web_a, web_b=web_b, worker=worker, env=env)
    try:
        found.start_store()  # while the others start
        for machine in (web_a, web_b):
            assert wait_until(lambda m=machine: answers(f"{m.url}/healthz") == 200, timeout=STARTUP), machine.log_tail()
        assert wait_until(lambda: worker_answers(nodename), timeout=STARTUP), worker.log_tail()
        yield found
    finally:
        for machine in (web_a, web_b, worker, store):
            machine.stop()
        for machine in (web_a, web_b, worker):
            tail = machine.log_tail()
            if tail.strip():
                print(f"{machine.name}'s log, last lines:\n{tail}", file=sys.stderr)


@pytest.fixture(autouse=True)
def media_on_the_store(settings, fleet):
    """The test process stores what its fixtures make (a draft's documents) where the machines do."""
    settings.STORAGES = settings.STORAGES | {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": fleet.s3_options()}}
    fleet.ensure_running()
    yield
    assert local_files(fleet) == []


def local_files(fleet: Fleet) -> list[str]:
    """Files the machines kept on their own disks (beat's schedule file is beat's own state)."""
    return sorted(str(path.relative_to(fleet.root)) for path in fleet.root.rglob("*")
                  if path.is_file() and not path.name.startswith("celerybeat-schedule"))


# --- A browser ------------------------------------------------------------------------------

@dataclass
class Page:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Filled:
    """A form as the browser would send it: where to, and the encoded fields."""

    path: str
    body: bytes
    content_type: str


class Browser:
    """One person's browser. Its cookies belong to the host (127.0.0.1), whichever machine
    answers, as they would behind the load balancer."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def open(self, url: str, data: bytes | None = None, headers: dict | None = None) -> Page:
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return Page(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.headers, error.read())

    def get(self, url: str, **headers) -> Page:
        return self.open(url, headers=headers)

    def form(self, url: str, *, action: str | None = None, has: tuple[str, str] | None = None, data: dict | None = None,
             files: dict | None = None) -> Filled:
        """Open `url`, take the form posting to `action` (a regular expression) or holding the
        value `has`, keep what the page put in it, change `data` and attach `files`."""
        page = self.get(url)
        assert page.status == 200, (url, page.status, page.text[:500])
        forms, _links = parse(page.text, url)
        form = next(f for f in forms if f.method == "post" and (action is None or re.search(action, f.action))
                    and (has is None or has in f.values))
        fields = [(name, value) for name, value in form.values if name not in (data or {})] + list((data or {}).items())
        body, content_type = encode(form, fields, files or {})
        return Filled(path=urllib.parse.urlsplit(form.action).path, body=body, content_type=content_type)

    def send(self, machine: Machine, filled: Filled) -> Page:
        """The filled form, sent to `machine`."""
        return self.open(machine.url + filled.path, data=filled.body, headers={"Content-Type": filled.content_type})

    def fill(self, machine: Machine, path: str, **form) -> Page:
        """Fill the form on `machine`'s page `path` and send it there."""
        return self.send(machine, self.form(machine.url + path, **form))


def encode(form: Form, fields: list[tuple[str, str]], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    if not form.multipart:
        return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields]
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def sign_in(browser: Browser, machine: Machine, user, password: str = PASSWORD) -> Page:
    """Through `machine`'s sign-in page, answering the second-factor step when asked."""
    page = browser.fill(machine, "/accounts/login/", action=r"/accounts/login/", data={"login": user.email, "password": password})
    if page.status == 302 and page.location.startswith("/accounts/2fa/authenticate"):
        page = browser.fill(machine, page.location, action=r"/accounts/2fa/authenticate", data={"code": totp_code()})
    return page


def unique_pdf() -> bytes:
    return pdf_bytes(secrets.token_hex(4000).encode())


# --- What one machine does, the other sees ----------------------------------------------------

def test_a_document_uploaded_through_one_machine_is_downloaded_by_the_officer_through_the_other(fleet, alice, acme, call, olivia):
    draft = make_complete_draft(alice, acme, call)
    requirement = call.required_documents.filter(is_required=True).first()
    content = unique_pdf()
    company = Browser()
    assert sign_in(company, fleet.web_a, alice).status == 302
    uploaded = company.fill(fleet.web_a, f"/applications/{draft.pk}/edit/documents/", has=("requirement", str(requirement.pk)),
                            files={"file": ("견적서.pdf", content, "application/pdf")})
    assert uploaded.status == 302, uploaded.text[:1000]
    document = draft.documents.get(requirement=requirement)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert fleet.stored(MEDIA_BUCKET, document.file.name) == content
    submitted = company.fill(fleet.web_a, f"/applications/{draft.pk}/edit/review/", action=r"/submit/$", data={"confirm": "yes"})
    assert submitted.status == 302 and submitted.location == f"/applications/{draft.pk}/receipt/"

    officer = Browser()
    assert sign_in(officer, fleet.web_b, olivia).status == 302
    review = officer.get(f"{fleet.web_b.url}/officer/applications/{draft.pk}/")
    link = f"/applications/{draft.pk}/documents/{document.pk}/"
    assert review.status == 200 and f'href="{link}"' in review.text
    download = officer.get(f"{fleet.web_b.url}{link}")
    assert download.status == 200 and download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.body == content


def test_the_agreement_the_worker_renders_is_read_through_the_other_machine(fleet, selected, olivia):
    from pypdf import PdfReader

    officer = Browser()
    assert sign_in(officer, fleet.web_a, olivia).status == 302
    prepared = officer.fill(fleet.web_a, f"/officer/applications/{selected.pk}/", action=r"/agreement/$")
    agreement = Agreement.objects.get(application=selected)
    assert prepared.status == 302 and prepared.location == f"/agreements/{agreement.pk}/"

    def rendered() -> bool:
        page = officer.get(f"{fleet.web_b.url}/agreements/{agreement.pk}/", Accept="application/json")
        return page.status == 200 and '"render_status": "done"' in page.text

    assert wait_until(rendered, timeout=90), fleet.worker.log_tail()
    version = agreement.current_version()
    pdf = officer.get(f"{fleet.web_b.url}/agreements/{agreement.pk}/versions/{version.number}.pdf")
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.body).hexdigest() == version.pdf_sha256
    assert pdf.body == fleet.stored(MEDIA_BUCKET, version.pdf.name)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    assert agreement.number in text and "협약서" in text


def test_a_sign_in_lockout_earned_on_one_machine_holds_on_the_other(fleet, alice, bob):
    for _attempt in range(5):
        refused = sign_in(Browser(), fleet.web_a, alice, password="wrong-password")
        assert refused.status == 200 and TOO_MANY_FAILURES not in refused.text
    locked = sign_in(Browser(), fleet.web_b, alice)
    assert locked.status == 200 and TOO_MANY_FAILURES in locked.text
    # Only the attacked account: another person signs in through the same machine.
    assert sign_in(Browser(), fleet.web_b, bob).status == 302


def test_a_call_changed_through_one_machine_shows_at_once_on_both_machines_cached_pages(fleet, call, olivia):
    path = f"/calls/{call.code}/"
    for machine in (fleet.web_a, fleet.web_b):
        assert Browser().get(machine.url + path).headers["X-Page-Cache"] == "miss"
        kept = Browser().get(machine.url + path)
        assert kept.headers["X-Page-Cache"] == "hit" and call.title in kept.text

    notice = "신청서 양식이 바뀌었습니다. 새 양식으로 제출해 주십시오."
    officer = Browser()
    assert sign_in(officer, fleet.web_b, olivia).status == 302
    changed = officer.fill(fleet.web_a, f"/officer/calls/{call.pk}/", action=r"/basics/$", data={"notice": notice})
    assert changed.status == 302, changed.text[:1000]
    assert Call.objects.get(pk=call.pk).notice == notice

    for machine in (fleet.web_b, fleet.web_a):
        fresh = Browser().get(machine.url + path)
        assert fresh.status == 200 and fresh.headers["X-Page-Cache"] == "miss" and notice in fresh.text
        assert notice in Browser().get(machine.url + path).text


def test_beat_on_a_machine_of_its_own_sends_the_jobs_and_the_worker_runs_them_for_every_machine(fleet):
    """Beat, on a machine of its own, sends the schedule's jobs to the worker: the heartbeat is
    what both web machines' health checks read, and the daily anchor of the hash chains lands in
    its own bucket."""
    assert answers(f"{fleet.web_b.url}/healthz/worker") == 503
    # The head log of the earlier tests names heads whose rows were emptied since: a checkpoint
    # over them would be withheld as a cut chain. This test starts the store afresh.
    for key in fleet.keys(ANCHOR_BUCKET):
        fleet.s3.delete_object(Bucket=ANCHOR_BUCKET, Key=key)

    def checkpoints() -> list[str]:  # the daily checkpoint, not the head log nor the chain of sweep files beside it
        return [name for name in fleet.keys(ANCHOR_BUCKET)
                if name.startswith("anchors/") and not name.startswith(("anchors/log/", "anchors/chain/"))]

    beat = fleet.beat().start()
    try:
        assert wait_until(lambda: answers(f"{fleet.web_b.url}/healthz/worker") == 200, timeout=STARTUP), beat.log_tail() + fleet.worker.log_tail()
        assert wait_until(lambda: len(checkpoints()) == 1, timeout=90), fleet.worker.log_tail()
    finally:
        beat.stop()
    assert answers(f"{fleet.web_a.url}/healthz/worker") == 200


# --- The store away ------------------------------------------------------------------------

STORE_AWAY = "지금은 파일을 저장할 수 없습니다(서버 저장 공간이 가득 찼거나 사용할 수 없음). 아무것도 저장되지 않았으니 몇 분 뒤 다시 시도하세요."


def test_with_the_store_away_an_upload_gets_a_clear_message_and_nothing_is_recorded(fleet, alice, acme, call):
    draft = make_complete_draft(alice, acme, call)
    requirement = call.required_documents.filter(is_required=True).first()
    documents = list(draft.documents.values_list("pk", "sha256"))
    events = draft.events.count()
    content = unique_pdf()
    company = Browser()
    assert sign_in(company, fleet.web_a, alice).status == 302
    upload = company.form(f"{fleet.web_a.url}/applications/{draft.pk}/edit/documents/", has=("requirement", str(requirement.pk)),
                          files={"file": ("견적서.pdf", content, "application/pdf")})
    fleet.store.stop()
    try:
        refused = company.send(fleet.web_a, upload)
        assert refused.status == 302, refused.text[:1000]
        told = company.get(fleet.web_a.url + refused.location)
        assert told.status == 200 and STORE_AWAY in told.text, re.findall(r'class="(?:errorlist|message)[^"]*"[^<]*<?[^<]*', told.text)
        assert list(draft.documents.values_list("pk", "sha256")) == documents and draft.events.count() == events
    finally:
        fleet.start_store()
    # Once the store is back, the same form sent again (through B this time) stores the file.
    accepted = company.send(fleet.web_b, upload)
    assert accepted.status == 302 and STORE_AWAY not in company.get(fleet.web_b.url + accepted.location).text
    document = draft.documents.get(requirement=requirement)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert fleet.stored(MEDIA_BUCKET, document.file.name) == content


# --- A web machine dies in the middle of a submission ---------------------------------------

def blocked_by(pid: int) -> list[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid])
        return cursor.fetchall()


def tables_written_by(pid: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                       "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock'", [pid])
        return {name for (name,) in cursor.fetchall()}


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] > 0


def what_was_stored(application_id: int) -> dict:
    application = Application.objects.get(pk=application_id)
    return {
        "state": application.state, "receipt_number": application.receipt_number, "submitted_at": application.submitted_at,
        "receipt_seq": Call.objects.get(pk=application.call_id).receipt_seq,
        "submitted_events": ApplicationEvent.objects.filter(application_id=application_id, action=EventType.SUBMITTED).count(),
        "emails": OutboundEmail.objects.count(),
    }


def test_killing_a_web_machine_mid_submission_loses_nothing_and_the_retry_through_the_other_submits_once(fleet, alice, acme, call):
    import psycopg

    draft = make_complete_draft(alice, acme, call)
    before = what_was_stored(draft.pk)
    company = Browser()
    assert sign_in(company, fleet.web_a, alice).status == 302
    send = company.form(f"{fleet.web_a.url}/applications/{draft.pk}/edit/review/", action=r"/submit/$", data={"confirm": "yes"})

    # Another transaction holds the call's row, so A's submission stops at the receipt counter:
    # its transaction has already written the application's new state, not yet committed.
    holder = psycopg.connect(database_url())
    holder.execute("SELECT id FROM applications_call WHERE id = %s FOR UPDATE", [call.pk])
    outcome: dict = {}

    def submit_through_a() -> None:
        try:
            outcome["page"] = company.send(fleet.web_a, send)
        except OSError as exc:  # the machine died under the request
            outcome["error"] = exc

    request = threading.Thread(target=submit_through_a)
    try:
        request.start()
        assert wait_until(lambda: blocked_by(holder.info.backend_pid), timeout=60), fleet.web_a.log_tail()
        [(backend, query)] = blocked_by(holder.info.backend_pid)
        assert "receipt_seq" in query
        assert "applications_application" in tables_written_by(backend)
        fleet.web_a.kill()
        request.join(timeout=30)
        assert "error" in outcome and "page" not in outcome
    finally:
        holder.rollback()
        holder.close()
    # The dead machine's transaction is rolled back when PostgreSQL finds its client gone.
    assert wait_until(lambda: not backend_alive(backend), timeout=60)
    assert what_was_stored(draft.pk) == before

    # The company sends the same form again, and the balancer takes it to B; a second click changes nothing more.
    for _click in range(2):
        retried = company.send(fleet.web_b, send)
        assert retried.status == 302 and retried.location == f"/applications/{draft.pk}/receipt/"
    after = what_was_stored(draft.pk)
    assert after["state"] == State.SUBMITTED and after["receipt_number"] == f"{call.code}-00001"
    assert after["receipt_seq"] == before["receipt_seq"] + 1 and after["submitted_events"] == 1
    receipt = company.get(f"{fleet.web_b.url}/applications/{draft.pk}/receipt/")
    assert receipt.status == 200 and f"{call.code}-00001" in receipt.text
    # One notice of the receipt, delivered by the worker.
    notices = OutboundEmail.objects.filter(subject__contains=f"{call.code}-00001")
    assert wait_until(lambda: notices.filter(sent_at__isnull=False).count() == 1), fleet.worker.log_tail()
    assert notices.count() == 1
