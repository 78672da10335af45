"""Shared fixtures: personas (alice the applicant, bob another applicant, olivia the
officer, rachel the reviewer, adam the admin), the outbox, and service markers."""

from __future__ import annotations

import os
import urllib.request
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, hotp_value
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection

from tests.factories import CompanyFactory, ProgramFactory, UserFactory

PASSWORD = "Correct-Horse-2026"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES", "").lower() == "true"


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} — CI must run this test (PORTAL_REQUIRE_SERVICES=true).")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL: set DATABASE_URL")
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        _unavailable("needs Redis: set REDIS_URL")
    if request.node.get_closest_marker("browser") and not os.path.exists("/usr/bin/chromium"):
        _unavailable("needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _decree_size_tables(request):
    """The data migrations' size tables (시행령 별표1/별표3) and standard agreement clauses:
    transactional tests empty every table when they end, so each test that touches the
    database gets them back."""
    names = set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None and not names & {"db", "transactional_db", "live_server"}:
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(names & {"transactional_db", "live_server"}) or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from applications import clause_sets, size_tables

    size_tables.ensure_seeded()
    clause_sets.ensure_seeded()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's concern, not these tests'; MD5 keeps hundreds of sign-ins quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and code attempts live in the cache; every test starts with none, and
    # with neither the broker nor the cache marked down by an earlier test (portal/queue.py,
    # portal/cache.py).
    from portal.cache import forget_failures
    from portal.queue import forget_broker_failure

    forget_failures()
    cache.clear()
    forget_broker_failure()
    yield


def totp_code(secret: str = TOTP_SECRET) -> str:
    import time

    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def make_person(email: str, *, name: str = "", mfa: bool = False, **extra):
    user = UserFactory(email=email, name=name, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def alice(db):
    """Applicant: owner of Acme, who signs its agreements by the representative's delegation."""
    return make_person("alice@example.com", name="앨리스", position="과장")


@pytest.fixture
def bob(db):
    """Another applicant, owner of another company."""
    return make_person("bob@example.com", name="밥")


@pytest.fixture
def carol(db):
    """Alice's colleague: a plain member of Acme."""
    return make_person("carol@example.com", name="캐럴")


@pytest.fixture
def acme(alice, carol):
    from portal.models import CompanyMembership

    company = CompanyFactory(name="에이크미 정밀")
    CompanyMembership.objects.create(company=company, user=alice, role=CompanyMembership.Role.OWNER, can_sign=True)
    CompanyMembership.objects.create(company=company, user=carol)
    return company


@pytest.fixture
def globex(bob):
    from portal.models import CompanyMembership

    company = CompanyFactory(name="글로벡스")
    CompanyMembership.objects.create(company=company, user=bob, role=CompanyMembership.Role.OWNER, can_sign=True)
    return company


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def olivia(program):
    """Program officer of `program`, with TOTP set up."""
    from applications.models import ProgramOfficer

    user = make_person("olivia@example.com", name="올리비아", mfa=True)
    ProgramOfficer.objects.create(program=program, user=user)
    return user


@pytest.fixture
def otto(program):
    """A second officer of `program`, independent of every company: approves (countersigns)
    what olivia drafted, since the one who drafts an agreement does not also approve it."""
    from applications.models import ProgramOfficer

    user = make_person("otto@example.com", name="오토", mfa=True)
    ProgramOfficer.objects.create(program=program, user=user)
    return user


@pytest.fixture
def rachel(db):
    """Reviewer with TOTP set up."""
    from reviews.models import ReviewerProfile

    user = make_person("rachel@example.com", name="레이첼", mfa=True)
    ReviewerProfile.objects.create(user=user)
    return user


@pytest.fixture
def adam(db):
    """Administrator with TOTP set up."""
    return make_person("adam@example.com", name="아담", mfa=True, is_staff=True, is_superuser=True)


def login_with_mfa(client, user, password: str = PASSWORD):
    """Sign in through allauth's real login form, answering the TOTP step when asked."""
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content[:500]
    if response["Location"].startswith("/accounts/2fa/authenticate"):
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
        assert response.status_code == 302, response.content[:500]
    return response


@pytest.fixture
def deliver_outbox(db):
    """Deliver every stored message the way the worker does, and return what was sent."""
    from portal.models import OutboundEmail
    from portal.services.outbox import email_deliver

    def deliver():
        for pk in OutboundEmail.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
            email_deliver(email_id=pk)
        return mail.outbox

    return deliver


__all__ = ["Authenticator", "PASSWORD", "login_with_mfa", "make_person", "totp_code"]


# --- Calls and applications -----------------------------------------------------------------

def make_call(program, officer, *, code: str = "SF-2026-9", title: str = "2026년 스마트공장 9차 공고"):
    """A smart-factory call configured by its officer and open now."""
    from applications.demo import configure_call, open_now
    from applications.models import EligibilityRule, FormVersion
    from tests.factories import CallFactory

    created = CallFactory(program=program, code=code, title=title, max_grant=400_000_000,
                          opens_at=timezone_now() + timedelta(days=1), closes_at=timezone_now() + timedelta(days=20))
    FormVersion.objects.create(call=created, number=1)
    EligibilityRule.objects.create(call=created, kind="one_per_call", params={}, order=99)
    configure_call(created, user=officer)
    return open_now(created)


@pytest.fixture
def call(program, olivia):
    return make_call(program, olivia)


def timezone_now():
    from django.utils import timezone

    return timezone.now()


VALID_ANSWERS = {"summary": "MES와 설비 모니터링을 도입해 불량률을 30% 줄입니다.", "current_level": "basic", "start_date": "2027-02-01", "new_jobs": "3"}
VALID_DECLARATIONS = {
    "in_restricted_group": False, "owned_by_large_company": False, "closed_business": False,
    "tax_arrears": False, "loan_default": False, "participation_ban": False, "other_support": False,
}


@pytest.fixture
def draft(alice, acme, call):
    from applications.services.submission import application_start

    application, _created = application_start(user=alice, call=call, company=acme)
    return application


def make_complete_draft(user, company, call):
    """A draft with every answer, a valid budget, the documents and the declarations."""
    from applications.models import Application
    from applications.services import submission as svc
    from tests import files

    application, _created = svc.application_start(user=user, call=call, company=company)
    level = call.levels.get(code="advanced1")
    svc.application_save_draft(user=user, application_id=application.pk, answers=VALID_ANSWERS, project_title="MES 도입을 통한 품질 고도화",
                               support_level_id=level.pk, declarations=VALID_DECLARATIONS)
    svc.budget_save(user=user, application_id=application.pk, grant_requested=150_000_000, lines=[
        {"category": "software", "description": "MES 라이선스", "amount": 200_000_000, "is_in_kind": False},
        {"category": "equipment", "description": "설비 센서", "amount": 80_000_000, "is_in_kind": False},
        {"category": "consulting", "description": "자체 인력 투입", "amount": 20_000_000, "is_in_kind": True},
    ])
    for requirement in call.required_documents.filter(is_required=True):
        svc.document_upload(user=user, application_id=application.pk, upload=files.pdf(f"{requirement.kind}.pdf"), requirement_id=requirement.pk)
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def complete_draft(alice, acme, call):
    return make_complete_draft(alice, acme, call)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test its own anchors of the hash chains (outside the database, like media).
    settings.STORAGES = settings.STORAGES | {"anchors": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path / "anchors")}}}


# --- Celery ---------------------------------------------------------------------------------

@pytest.fixture
def celery_worker(settings):
    """A real worker thread on the configured broker (Redis in CI, the filesystem otherwise).
    Use with django_db(transaction=True) so that it sees the test's rows."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    app.control.purge()
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """For urllib openers against a real gunicorn: a redirect is the answer, not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


_changed = __import__("threading").Condition()


def _something_changed(**_kwargs) -> None:
    with _changed:
        _changed.notify_all()


def wait_until(condition, timeout: float = 30.0) -> bool:
    """Wait for `condition`, checking it again whenever something in this process may have
    changed what it reads — a Celery task of the in-process worker ended, a request of the
    live server finished — and at least every half second for changes made by other
    processes (gunicorn, a worker started as a subprocess)."""
    import time

    from celery.signals import task_postrun
    from django.core.signals import request_finished

    task_postrun.connect(_something_changed, weak=False, dispatch_uid="tests.wait_until")
    request_finished.connect(_something_changed, weak=False, dispatch_uid="tests.wait_until")
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        with _changed:
            _changed.wait(min(left, 0.5))


def worker_drained(timeout: float = 30.0) -> bool:
    """Every task queued so far has been run: a single-process worker takes tasks in order, so
    once a heartbeat sent now has run, everything sent before it has finished too."""
    from django.core.cache import cache

    from portal.tasks import HEARTBEAT_KEY, heartbeat

    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    return wait_until(lambda: cache.get(HEARTBEAT_KEY) is not None, timeout)


# --- Evaluation ----------------------------------------------------------------------------

CRITERIA = [("기술성", "Technology", 40), ("사업성", "Business", 30), ("추진역량", "Capability", 20), ("파급효과", "Impact", 10)]


@pytest.fixture
def rubric(call, olivia):
    return make_rubric(call, olivia)


def make_rubric(call, olivia):
    """A rubric whose criteria's maxima equal their weights (total = sum of the scores)."""
    from decimal import Decimal

    from reviews.services import evaluation

    rubric = evaluation.rubric_for(call)
    for ko, en, weight in CRITERIA:
        evaluation.criterion_add(user=olivia, rubric=rubric, data={"name_ko": ko, "name_en": en, "description": "",
                                                                     "max_score": Decimal(weight), "weight": Decimal(weight)})
    first = rubric.criteria.first()
    evaluation.rubric_update(user=olivia, rubric=rubric, data={"tie_break": [first.pk], "cutoff": Decimal(70)})
    evaluation.bonus_add(user=olivia, rubric=rubric, data={"name_ko": "비수도권", "name_en": "Outside the capital area",
                                                         "source": "non_capital_region", "points": Decimal(3)})
    return rubric


@pytest.fixture
def reviewers(db):
    from reviews.models import ReviewerProfile

    people = []
    for n in range(5):
        user = make_person(f"expert{n}@example.com", name=f"평가위원{n}", mfa=True)
        ReviewerProfile.objects.create(user=user)
        people.append(user)
    return people


@pytest.fixture
def panel(call, rubric, olivia, reviewers):
    from reviews.services import evaluation

    panel = evaluation.panel_create(user=olivia, call=call, name="서면평가 1분과", stage="written", reviewers_per_application=3,
                                    due_at=timezone_now() + timedelta(days=10))
    for person in reviewers:
        evaluation.reviewer_invite(user=olivia, panel=panel, email=person.email)
    return panel


def under_review(user, company, call, officer):
    """A complete application, submitted and passed screening."""
    from applications import lifecycle

    draft = make_complete_draft(user, company, call)
    lifecycle.application_submit(user=user, application_id=draft.pk, now=timezone_now())
    return lifecycle.screening_pass(user=officer, application_id=draft.pk)


def close_call(call):
    """The call's deadline has passed (the selection is decided only after it closes)."""
    from applications.models import Call

    now = timezone_now()
    Call.objects.filter(pk=call.pk).update(opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1))
    call.refresh_from_db()
    return call


def score_all(assignment, values):
    """The assigned reviewer declares no conflict and submits `values` (one per criterion)."""
    from reviews.services import evaluation, scoring

    reviewer = assignment.reviewer
    evaluation.declare_no_conflict(user=reviewer, assignment_id=assignment.pk)
    criteria = list(assignment.panel.call.rubric.criteria.all())
    return scoring.review_save(user=reviewer, assignment_id=assignment.pk, scores={c.pk: str(v) for c, v in zip(criteria, values)},
                               comments={}, comment="", submit=True)


@pytest.fixture
def signing_cert(settings, tmp_path_factory):
    """A self-signed portal certificate, made as the set-up makes it."""
    from django.core.management import call_command

    folder = tmp_path_factory.mktemp("signing")
    settings.AGREEMENT_SIGNING_KEY = str(folder / "key.pem")
    settings.AGREEMENT_SIGNING_CERT = str(folder / "cert.pem")
    call_command("make_signing_cert", stdout=__import__("io").StringIO())
    return folder


@pytest.fixture
def selected(call, olivia, alice, acme, panel):
    """Acme's application, evaluated and selected (the selection applied)."""
    from reviews.models import Assignment
    from reviews.services import evaluation, selection

    application = under_review(alice, acme, call, olivia)
    evaluation.auto_assign(user=olivia, panel=panel)
    for assignment in Assignment.objects.filter(application=application):
        score_all(assignment, [36, 25, 18, 9])
    close_call(call)
    round_ = selection.selection_run(user=olivia, call=call)
    selection.selection_finalize(user=olivia, round_id=round_.pk)
    selection.selection_apply(round_id=round_.pk)
    application.refresh_from_db()
    return application


@pytest.fixture
def world(selected, olivia, alice, acme, bob, globex, rachel, signing_cert, call):
    """Every kind of object a URL can point at: a selected application with its documents,
    agreement, assignment, review, selection round, export and appeal, a claim to Acme's
    ownership; and the people."""
    from django.core.files.base import ContentFile

    from applications import lifecycle
    from applications.models import Appeal, ProgramOfficer, SelectionRound
    from applications.services import agreements
    from applications.services.exports import export_request
    from portal.models import CompanyClaim
    from reviews.models import Assignment
    from tests.factories import ProgramFactory

    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    agreements.render_version(version_id=agreement.current_version().pk)
    assignment = Assignment.objects.filter(application=selected).first()
    oscar = make_person("oscar@example.com", mfa=True)
    ProgramOfficer.objects.create(program=ProgramFactory(), user=oscar)
    claim = CompanyClaim(company=acme, claimant=bob, original_name="대표자확인서.pdf", detected_format="pdf", size=15, sha256="0" * 64)
    claim.file.save("claim.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return {
        "acme": acme, "call": call, "application": selected, "document": selected.documents.first(), "agreement": agreement,
        "assignment": assignment, "review": assignment.review, "round": SelectionRound.objects.get(call=call),
        "export": export_request(user=olivia, call=call, format="csv"), "section": call.form_versions.get().sections.first(),
        "appeal": Appeal.objects.create(application=selected, reason="-", filed_by=alice, previous_state="rejected"),
        "claim": claim,  # Bob says Acme is his
        "people": {"alice": alice, "bob": bob, "olivia": olivia, "oscar": oscar, "rachel": rachel, "assigned": assignment.reviewer},
    }


@pytest.fixture
def matrix_world(world, adam, carol):
    """The world, plus the admin, Acme's plain member, a panel member who was assigned this
    application and declared a conflict, and the smaller objects URLs point at: a notice
    attachment, an invitation (to Bob) and a join request to Acme, a finished export and an
    executed agreement file."""
    from django.core.files.base import ContentFile

    from applications.models import NoticeAttachment
    from applications.tasks import build_export
    from portal.models import CompanyInvitation, CompanyJoinRequest
    from reviews.models import Assignment
    from reviews.services import evaluation

    olivia, alice = world["people"]["olivia"], world["people"]["alice"]
    panel = world["assignment"].panel
    assigned = set(Assignment.objects.filter(application=world["application"]).values_list("reviewer_id", flat=True))
    member = panel.members.exclude(reviewer_id__in=assigned).first().reviewer
    conflicted = Assignment.objects.create(panel=panel, application=world["application"], reviewer=member, assigned_by=olivia)
    evaluation.declare_conflict(user=member, assignment_id=conflicted.pk, reason="전 직장")
    world["people"] |= {"adam": adam, "carol": carol, "conflicted": member}
    attachment = NoticeAttachment(call=world["call"], title="공고문", size=9)
    attachment.file.save("notice.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    build_export(world["export"].pk)
    world["agreement"].final_pdf.save("final.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return world | {
        "attachment": attachment,
        "invitation": CompanyInvitation.objects.create(company=world["acme"], email=world["people"]["bob"].email, invited_by=alice),
        "join_request": CompanyJoinRequest.objects.create(company=world["acme"], user=make_person("dana@example.com")),
        "level": world["call"].levels.first(),
        "criterion": world["call"].rubric.criteria.first(),
    }
