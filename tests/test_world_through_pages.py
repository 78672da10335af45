"""A program year built only through the product's own pages, from an empty database.

The fixture worlds of the other tests are shaped by hand (every call there already holds a
rubric, every person is made with a second factor); this one is not. The administrator comes
from `createsuperuser`, as on a real installation; everything after is done by people on
pages: the administrator sets up a second factor, creates the program and appoints its
officer; the officer signs up, sets up a second factor, creates a call, sets it up and
publishes it; companies sign up, verify their e-mail, register and apply; the officer screens,
builds the rubric and panel and invites reviewers, who choose a password from the e-mail and
score; the officer ranks, selects and issues the agreement, which the company signs and the
officer countersigns. The clock moves as it would (time-machine), and the beat jobs run as beat
runs them.

At every stage each person visits every page they can reach (the start pages and every link
on the pages found, breadth first) and the test fails on any server error, any page that names
a Python exception, and any link shown to a person that leads to a page they may not open."""

from __future__ import annotations

import datetime
import re
import time
from collections import deque

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core.management import call_command
from django.test import Client

from tests import files
from tests.browsing import internal, parse, submit
from tests.conftest import PASSWORD, totp_code
from tests.test_rendered_korean import read_text, reading_problems

pytestmark = pytest.mark.django_db(transaction=True)

KST = datetime.timezone(datetime.timedelta(hours=9))
CLOCK: list = []  # the test's time-machine traveller, for people who wait for their next code
START = ["/", "/calls/", "/applications/", "/companies/", "/companies/new/", "/notifications/", "/officer/", "/officer/queue/",
         "/officer/calls/new/", "/reviewer/", "/verify/", "/me/", "/privacy/", "/staff/ties/", "/accounts/email/",
         "/accounts/password/change/", "/accounts/2fa/"]
# Pages a person may be shown a link to and that answer them with a refusal on purpose.
EXCEPTION_NAMES = re.compile(r"Traceback|\b(?:Value|Key|Type|Attribute|Index|Name|Assertion|Runtime|Lookup|Zero"
                             r"Division|Integrity|Operational|Programming|Validation|NotSupported)Error\b|DoesNotExist|"
                             r"RelatedObjectDoesNotExist|NoReverseMatch|TemplateSyntaxError|VariableDoesNotExist|"
                             r"MultipleObjectsReturned|NoneType|object has no attribute")


def main_text(response) -> str:
    """The page's main content as a person reads it (for a failure's message)."""
    html = response.content.decode()
    html = html[html.find("<main"):html.find("</main>")] if "<main" in html else html
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())[:3000]


def ok(response) -> None:
    assert response.status_code == 302, main_text(response)


def at(text: str):
    """A moment of the year in KST, e.g. at("2027-03-02 10:00")."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=KST)


def local(moment: datetime.datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%dT%H:%M")


def mail_to(address: str):
    """The messages delivered to `address`, as the mail server received them (the outbox
    row loses a one-time code's text once delivered)."""
    from django.core import mail

    return [m for m in mail.outbox if address in m.to]


def run_beat() -> None:
    """What beat runs every few minutes: deliver the outbox, apply finalized selections,
    render pending agreements and copies, sweep revisions and offers."""
    from applications import tasks as application_tasks
    from portal import tasks as portal_tasks
    from reviews import tasks as review_tasks

    for task in (portal_tasks.redeliver_pending_email, review_tasks.apply_finalized_selections,
                 application_tasks.render_pending_agreements, application_tasks.sweep_overdue_revisions, review_tasks.sweep_offers):
        task()
    for name in ("render_pending_copies",):
        task = getattr(application_tasks, name, None)
        if task is not None:
            task()


class Person:
    """Somebody with a browser of their own."""

    def __init__(self, email: str, name: str, role: str) -> None:
        self.email, self.name, self.role = email, name, role
        self.client = Client(raise_request_exception=False)
        self.totp_secret: str | None = None
        self.last_step = 0

    def sign_up(self, position: str = "") -> None:
        response = submit(self.client, "/accounts/signup/", {
            "email": self.email, "password1": PASSWORD, "password2": PASSWORD, "name": self.name, "position": position,
            "consent_personal_information": "on"}, has="password1")
        ok(response)
        self.confirm_email_code()

    def confirm_email_code(self) -> None:
        body = mail_to(self.email)[-1].body
        found = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.MULTILINE)
        assert found, [(m.subject, m.body[:300]) for m in mail_to(self.email)]
        code = found.group(1)
        response = submit(self.client, "/accounts/confirm-email/", {"code": code}, has="code")
        ok(response)

    def choose_password_from_mail(self) -> None:
        """An invited reviewer's account has no password: the invitation leads to choosing one."""
        submit(self.client, "/accounts/password/reset/", {"email": self.email}, has="email")
        link = re.search(r"(/accounts/password/reset/key/\S+/)", mail_to(self.email)[-1].body).group(1)
        response = self.client.get(link)
        target = response["Location"] if response.status_code == 302 else link
        response = submit(self.client, target, {"password1": PASSWORD, "password2": PASSWORD}, has="password1")
        ok(response)

    def sign_in(self) -> None:
        self.client = Client(raise_request_exception=False)
        response = submit(self.client, "/accounts/login/", {"login": self.email, "password": PASSWORD}, has="password")
        ok(response)
        if response["Location"].startswith("/accounts/confirm-email/"):  # an address never verified: the code from the mail
            self.confirm_email_code()
        elif response["Location"].startswith("/accounts/2fa/authenticate"):
            # A code is good once (allauth refuses a replay): a person signing in twice within
            # one 30-second step waits for the next code, as with a phone.
            while int(time.time()) // 30 == self.last_step:
                CLOCK[0].shift(5)
            self.last_step = int(time.time()) // 30
            response = submit(self.client, "/accounts/2fa/authenticate/", {"code": totp_code(self.totp_secret)}, has="code")
            ok(response)

    def reauthenticate(self) -> None:
        response = submit(self.client, "/accounts/reauthenticate/", {"password": PASSWORD}, has="password")
        ok(response)

    def set_up_second_factor(self, first_page: str = "/officer/") -> None:
        """Staff are sent to set up TOTP on their first page; allauth asks the password again first."""
        response = self.client.get(first_page)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/"), response
        self.reauthenticate()
        # Each opening of the page shows a new secret: the code is for the one last shown.
        page = self.client.get("/accounts/2fa/totp/activate/")
        assert page.status_code == 200
        self.totp_secret = self.client.session[SECRET_SESSION_KEY]
        assert self.totp_secret in page.content.decode()  # shown for typing, beside the QR code
        self.last_step = int(time.time()) // 30
        response = self.client.post("/accounts/2fa/totp/activate/", {"code": totp_code(self.totp_secret)})
        ok(response)


def _skipped_admin_page(path: str, person: Person, seen: dict) -> bool:
    """Django's admin is Django's: the administrator visits its index, each list and one
    change form per model, not every sort order, filter and object."""
    if not path.startswith("/admin/"):
        return False
    if person.role != "admin" or "?" in path or "/history/" in path or "/delete/" in path:
        return True
    change = re.match(r"^(/admin/\w+/\w+/)[^/]+/change/$", path)
    return bool(change) and any(p.startswith(change.group(1)) and p.endswith("/change/") for p in seen)


def visit_everything(person: Person, stage: str, *, limit: int = 220) -> dict[str, int]:
    """Every page `person` reaches from the start pages by links, breadth first. Fails on a
    server error, a page naming a Python exception, a link shown that leads to a refusal, or
    text a Korean reader would stumble on (tests/test_rendered_korean.py's reading check)."""
    seen: dict[str, int] = {}
    shown_by: dict[str, str] = {}
    queue = deque(START)
    problems = []
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(("/i18n/", "/static/")) or "logout" in path or _skipped_admin_page(path, person, seen):
            continue
        response = person.client.get(path)
        seen[path] = response.status_code
        if response.status_code >= 500:
            problems.append(f"{path}: {response.status_code}")
            continue
        content_type = response.get("Content-Type", "")
        if "text/html" not in content_type or response.status_code != 200:
            if path in shown_by and response.status_code in (403, 404):
                problems.append(f"{path}: {response.status_code}, linked from {shown_by[path]}")
            continue
        html = response.content.decode()
        if EXCEPTION_NAMES.search(re.sub(r"<script.*?</script>", "", html, flags=re.S)):
            problems.append(f"{path}: names an exception: {EXCEPTION_NAMES.search(html).group(0)}")
        if not path.startswith("/admin/"):  # Django's own admin is not written for Korean readers
            problems += [f"{path}: {p}" for p in reading_problems(read_text(html), codes=read_text(html, attributes=False))]
        _forms, links = parse(html, f"http://testserver{path}")
        for link in links:
            target = internal(link, f"http://testserver{path}")
            if target and target not in seen and not target.startswith(("/admin/logout", "/accounts/logout")):
                shown_by.setdefault(target, path)
                queue.append(target)
    assert not queue or len(seen) < limit, f"{person.role} at stage {stage!r}: the crawl stopped at {limit} pages; raise the limit"
    # Then every URL of the access matrix that the world has objects for, linked or not: a
    # page nobody links to yet must not fail either (what it answers is the matrix's test).
    for path in registry_paths():
        if path in seen:
            continue
        response = person.client.get(path)
        seen[path] = response.status_code
        if response.status_code >= 500:
            problems.append(f"{path} (from the access matrix): {response.status_code}")
        elif "text/html" in response.get("Content-Type", "") and EXCEPTION_NAMES.search(
                re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)):
            problems.append(f"{path} (from the access matrix): names an exception")
    assert not problems, f"{person.role} at stage {stage!r}:\n" + "\n".join(problems)
    return seen


def registry_paths() -> list[str]:
    """The access matrix's URLs (tests/test_url_access.py) built from this world's objects as
    they stand: for each object kind the matrix names, the first one the world has made."""
    from django.urls import reverse

    from applications.models import (
        Agreement,
        Appeal,
        Application,
        ApplicationDocument,
        Call,
        Export,
        FormSection,
        NoticeAttachment,
        SelectionRound,
        SupportLevel,
    )
    from portal.models import Company, CompanyClaim, CompanyInvitation, CompanyJoinRequest
    from reviews.models import Assignment, Criterion, Review
    from tests.test_url_access import REGISTRY

    applications = Application.objects.order_by("pk")
    world = {
        "acme": Company.objects.order_by("pk").first(), "call": Call.objects.order_by("pk").first(),
        "unpublished": Call.objects.filter(is_published=False).first(),
        "application": applications.exclude(state="draft").first(), "draft": applications.filter(state="draft").first(),
        "submitted": applications.filter(state="submitted").first(), "under_review": applications.filter(state="under_review").first(),
        "assignment": Assignment.objects.first(), "pending_assignment": Assignment.objects.filter(review__isnull=True).first(),
        "document": ApplicationDocument.objects.first(), "agreement": Agreement.objects.first(), "round": SelectionRound.objects.first(),
        "export": Export.objects.first(), "criterion": Criterion.objects.first(), "section": FormSection.objects.first(),
        "review": Review.objects.first(), "level": SupportLevel.objects.first(), "join_request": CompanyJoinRequest.objects.first(),
        "invitation": CompanyInvitation.objects.first(), "attachment": NoticeAttachment.objects.first(), "appeal": Appeal.objects.first(),
        "claim": CompanyClaim.objects.first(),
    }
    paths = []
    for name, spec in REGISTRY.items():
        if set(spec.get.split()) <= {"L", "405"}:
            continue  # takes no GET from anyone
        try:
            paths.append(reverse(name, kwargs=spec.build(world)))
        except (AttributeError, KeyError):  # the world has no such object yet (None.pk), or the matrix names one it never makes
            continue
    return paths


@pytest.fixture
def jobs_run_at_once():
    """Every job a page or a beat sweep queues runs at once in the process, as a worker would
    run it (the worker itself is proven in tests/test_celery_worker.py); the world needs the
    jobs' results, not their timing."""
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def test_a_program_year_built_only_through_the_pages(settings, signing_cert, jobs_run_at_once):
    from applications.models import Agreement, AgreementState, Application, Call, State

    visited: dict[str, int] = {}

    def everyone_visits(stage: str, people: list[Person]) -> None:
        for person in people:
            if person.role != "anonymous" and person.client.get("/me/").status_code != 200:
                person.sign_in()  # the session ended while the clock moved on: the person signs in again
            for path, status in visit_everything(person, stage).items():
                visited[f"{person.role} {path}"] = status

    anonymous = Person("", "", "anonymous")
    with time_machine.travel(at("2027-01-04 09:00"), tick=True) as clock:
        CLOCK[:] = [clock]
        # --- The installation: an administrator from the command line, nothing else. ---
        call_command("createsuperuser", interactive=False, email="admin@agency.go.kr", stdout=open("/dev/null", "w"))
        from portal.models import User

        admin_user = User.objects.get(email="admin@agency.go.kr")
        admin_user.set_password(PASSWORD)  # what `changepassword` asks for on the terminal
        admin_user.save()
        admin = Person("admin@agency.go.kr", "관리자", "admin")
        admin.sign_in()
        admin.set_up_second_factor()
        everyone_visits("an empty portal", [anonymous, admin])

        # The officer signs up like anybody; the administrator creates the program and appoints them.
        # Two officers: the one who prepares an agreement may not also countersign it (기안 and 결재).
        officer = Person("officer@agency.go.kr", "박담당", "officer")
        approver = Person("approver@agency.go.kr", "김결재", "approver")
        officer.sign_up(position="주무관")
        approver.sign_up(position="팀장")
        response = submit(admin.client, "/admin/applications/program/add/", {
            "name_ko": "스마트공장 보급확산", "name_en": "Smart factory", "code": "smart-factory", "family": "smart_factory",
            "managing_agency": "스마트제조혁신추진단", "agency_head_title": "단장", "agency_head_name": "김단장",
            "officer_links-TOTAL_FORMS": 2, "officer_links-0-user": User.objects.get(email=officer.email).pk,
            "officer_links-1-user": User.objects.get(email=approver.email).pk}, has="name_ko")
        ok(response)
        for person in (officer, approver):
            person.sign_in()
            person.set_up_second_factor()

        # --- A new call with nothing set up yet: the first pages an officer opens. ---
        opens, closes = at("2027-01-11 09:00"), at("2027-02-10 18:00")
        response = submit(officer.client, "/officer/calls/new/", {
            "code": "SF-2027-1", "title": "2027년 스마트공장 1차 공고", "round": 1, "notice": "스마트공장 구축을 지원합니다.",
            "opens_at": local(opens), "closes_at": local(closes), "budget_total": "300,000,000", "max_grant": "200,000,000",
            "max_grant_share_bp": "50", "min_cash_share_bp": "50", "max_file_mb": 20, "max_total_mb": 100, "max_files": 30},
            action=r"/officer/calls/new/$")
        ok(response)
        call = Call.objects.get()
        everyone_visits("a new call", [anonymous, admin, officer])

        # The officer sets the call up on its page and publishes it.
        base = f"/officer/calls/{call.pk}"
        for action, data in [
            ("levels/", {"code": "basic", "name_ko": "기초", "name_en": "Basic", "max_grant": "100,000,000"}),
            ("levels/", {"code": "advanced", "name_ko": "고도화", "name_en": "Advanced", "max_grant": "200,000,000"}),
            ("documents/", {"kind": "business_plan", "name_ko": "사업계획서", "name_en": "Business plan", "is_required": "on",
                            "formats": ["pdf"]}),
            ("rules/", {"kind": "sme_size", "is_hard": "on", "scale": "sme"}),
            ("rules/", {"kind": "industry", "is_hard": "on", "divisions": "C10-C34"}),
            ("sections/", {"title_ko": "사업 개요", "title_en": "Outline"}),
        ]:
            response = submit(officer.client, f"{base}/", data, action=re.escape(f"{base}/{action}") + "$")
            ok(response)
        section = call.form_versions.get().sections.get()
        response = submit(officer.client, f"{base}/", {"key": "summary", "type": "long_text", "label_ko": "사업 요약", "label_en": "Summary",
                                                       "required": "on", "max_length": 1000},
                          action=re.escape(f"{base}/sections/{section.pk}/fields/") + "$")
        ok(response)
        # The size rule asks for the SME confirmation as evidence: without that document no
        # company could ever submit, so the call cannot be published yet.
        response = submit(officer.client, f"{base}/", {"is_published": "on", "confirm_publish": "yes"}, action=re.escape(f"{base}/basics/"))
        assert response.status_code == 400
        assert "“중소기업 규모·독립성” 규칙은 증빙으로 다음 서류를 요구합니다: 중소기업확인서." in response.content.decode()
        response = submit(officer.client, f"{base}/", {"kind": "sme_certificate", "name_ko": "중소기업확인서", "name_en": "SME confirmation",
                                                       "is_required": "on", "formats": ["pdf"]}, action=re.escape(f"{base}/documents/") + "$")
        ok(response)
        response = submit(officer.client, f"{base}/", {"is_published": "on", "confirm_publish": "yes"}, action=re.escape(f"{base}/basics/"))
        ok(response)
        assert Call.objects.get().is_published
        everyone_visits("a call announced, not yet open", [anonymous, officer])

        # --- The call opens; two companies sign up, register and apply. ---
        clock.move_to(at("2027-01-12 10:00"))
        companies = []
        for n, (email, name, company, number, sigungu, ksic) in enumerate([
            ("kim@saemaeul.co.kr", "김새마", "새마을정밀 주식회사", "214-86-12341", "48121", "C29271"),
            ("lee@hanbit.co.kr", "이한빛", "한빛금속", "124-81-00998", "47111", "C25111"),
        ]):
            person = Person(email, name, f"applicant{n}")
            person.sign_up(position="대표이사")
            response = submit(person.client, "/companies/new/", {
                "name": company, "business_number": number, "representative_name": name, "address": "대한민국 어딘가 1",
                "region": sigungu[:2], "sigungu": sigungu, "ksic_code": ksic, "founded_on": "2016-05-10", "employees": 35,
                "fiscal_year": 2025, "revenue_latest": "8,200,000,000", "revenue_previous": "7,900,000,000",
                "revenue_before_previous": "7,100,000,000", "total_assets": "5,400,000,000"}, has="business_number")
            ok(response)
            companies.append(person)
        everyone_visits("the call is open", [anonymous, officer, *companies])

        for person in companies:
            response = submit(person.client, f"/calls/{call.code}/", action=r"/apply/$")
            ok(response)
            application = Application.objects.filter(company__memberships__user__email=person.email).get()
            steps = f"/applications/{application.pk}/edit"
            level = call.levels.get(code="basic")
            assert submit(person.client, f"{steps}/overview/", {"project_title": "MES 도입을 통한 품질 고도화", "support_level": level.pk},
                          has="project_title").status_code == 302
            assert submit(person.client, f"{steps}/section-{section.pk}/", {"summary": "설비 데이터를 모아 불량 원인을 찾습니다."},
                          has="summary").status_code == 302
            response = submit(person.client, f"{steps}/budget/", {
                "grant_requested": "100,000,000", "lines-0-category": "software", "lines-0-description": "MES 라이선스",
                "lines-0-amount": "150,000,000", "lines-1-category": "consulting", "lines-1-description": "자체 인력",
                "lines-1-amount": "50,000,000", "lines-1-is_in_kind": "on"}, has="grant_requested")
            ok(response)
            for requirement in call.required_documents.order_by("pk"):
                response = submit(person.client, f"{steps}/documents/", {"requirement": requirement.pk},
                                  files={"file": files.pdf(f"{requirement.name_ko}.pdf")}, action=r"/documents/$")
                ok(response)
            response = submit(person.client, f"{steps}/declarations/", {
                name: "no" for name in ("in_restricted_group", "owned_by_large_company", "closed_business", "tax_arrears",
                                        "loan_default", "participation_ban", "other_support")}, has="tax_arrears")
            ok(response)
            review_page = person.client.get(f"{steps}/review/").content.decode()
            assert "신청서 제출" in review_page, " ".join(re.sub(r"<[^>]+>", " ", review_page).split())[-3000:]
            response = submit(person.client, f"{steps}/review/", {"confirm": "yes"}, action=r"/submit/$")
            ok(response)
            assert Application.objects.get(pk=application.pk).state == State.SUBMITTED
        run_beat()
        everyone_visits("applications submitted", [anonymous, officer, *companies])

        # --- The call closes; the officer screens and sets up the evaluation. ---
        clock.move_to(at("2027-02-11 09:00"))
        for person in (officer, *companies):
            person.sign_in()
        for application in Application.objects.order_by("receipt_number"):
            response = submit(officer.client, f"/officer/applications/{application.pk}/", action=r"/pass/$")
            ok(response)
        assert set(Application.objects.values_list("state", flat=True)) == {State.UNDER_REVIEW}
        evaluation = f"/officer/calls/{call.pk}/evaluation/"
        for data in ({"name_ko": "기술성", "max_score": "60", "weight": "60"}, {"name_ko": "사업성", "max_score": "40", "weight": "40"}):
            response = submit(officer.client, evaluation, data, action=r"/evaluation/criterion/$")
            ok(response)
        response = submit(officer.client, evaluation, {"name": "1분과", "stage": "written", "reviewers_per_application": 2,
                                                       "due_at": local(at("2027-02-20 18:00"))}, action=r"/evaluation/panel/$")
        ok(response)
        panel = call.panels.get()
        reviewers = [Person(f"expert{n}@univ.ac.kr", f"전문가{n}", f"reviewer{n}") for n in range(2)]
        for reviewer in reviewers:
            response = submit(officer.client, f"/officer/panels/{panel.pk}/", {"email": reviewer.email, "name": reviewer.name},
                              action=r"/invite/$")
            ok(response)
        run_beat()
        for reviewer in reviewers:
            reviewer.choose_password_from_mail()
            reviewer.sign_in()
            reviewer.set_up_second_factor("/reviewer/")
        response = submit(officer.client, f"/officer/panels/{panel.pk}/", action=r"/auto/$")
        ok(response)
        everyone_visits("under review", [officer, *companies, *reviewers])

        # --- Reviewers declare and score. ---
        from reviews.models import Assignment

        for reviewer in reviewers:
            for assignment in Assignment.objects.filter(reviewer__email=reviewer.email):
                page = f"/reviewer/assignments/{assignment.pk}/"
                assert submit(reviewer.client, page, {"conflict": "no"}, action=r"/declare/$").status_code == 302
                criteria = list(call.rubric.criteria.order_by("pk"))
                scores = {f"score-{criteria[0].pk}": "50", f"score-{criteria[1].pk}": "30"}
                if assignment.application.company.name == "한빛금속":
                    scores = {f"score-{criteria[0].pk}": "45", f"score-{criteria[1].pk}": "28"}
                response = submit(reviewer.client, page, scores | {"action": "submit", "confirm": "yes"}, action=r"/score/$")
                ok(response)
        everyone_visits("scored", [officer, *reviewers])

        # --- Ranking, selection, and the agreement. ---
        response = submit(officer.client, f"/officer/calls/{call.pk}/ranking/", action=r"/selection/$")
        ok(response)
        selection_page = response["Location"]
        response = submit(officer.client, selection_page, {"confirm": "yes"}, action=r"/finalize/$")
        ok(response)
        run_beat()
        selected = Application.objects.filter(state=State.SELECTED).order_by("receipt_number")
        assert selected.count() == 2, list(Application.objects.values_list("state", flat=True))
        everyone_visits("selected", [anonymous, officer, *companies])

        winner = selected.first()
        company_person = next(p for p in companies if winner.company.memberships.filter(user__email=p.email).exists())
        response = submit(officer.client, f"/officer/applications/{winner.pk}/", action=r"/agreement/$")
        ok(response)
        agreement = Agreement.objects.get(application=winner)
        run_beat()  # the worker renders the version
        officer.sign_in()
        officer.client.get(f"/agreements/{agreement.pk}/")
        officer.reauthenticate()
        assert "/issue/" in officer.client.get(f"/agreements/{agreement.pk}/").content.decode(), main_text(officer.client.get(f"/agreements/{agreement.pk}/"))
        response = submit(officer.client, f"/agreements/{agreement.pk}/", {"confirm": "yes"}, action=r"/issue/$")
        ok(response)
        run_beat()
        company_person.sign_in()
        company_person.reauthenticate()
        response = submit(company_person.client, f"/agreements/{agreement.pk}/", {"confirm": "yes"}, action=r"/sign/$")
        ok(response)
        officer.reauthenticate()
        page = officer.client.get(f"/agreements/{agreement.pk}/").content.decode()  # four eyes: not offered to the drafter
        assert "/sign/" not in page and "다른 담당자가 기관 서명을 합니다" in page
        approver.sign_in()
        approver.reauthenticate()
        response = submit(approver.client, f"/agreements/{agreement.pk}/", {"confirm": "yes"}, action=r"/sign/$")
        ok(response)
        run_beat()
        assert Agreement.objects.get(pk=agreement.pk).state == AgreementState.EXECUTED
        everyone_visits("the agreement executed", [anonymous, officer, approver, *companies, *reviewers, admin])

    # The access matrix's URLs were visited too: most object kinds exist by the end of the year.
    built = registry_paths()
    assert len(built) > 25 and all(any(key.endswith(f" {path}") for key in visited) for path in built), len(built)
    # Every role reached more than its start pages, and the evaluation page of the new call was among them.
    assert f"officer /officer/calls/{call.pk}/evaluation/" in visited
    assert sum(1 for key in visited if key.startswith("officer ")) > 40
