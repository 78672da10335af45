"""Pages, submission and upload under gunicorn, loaded by wrk, each against a baseline measured
in the same run: a bare view with the same middleware (and, for the submission, one INSERT).

Writes to the configured database: run it on a throwaway one (`make bench` does)."""

from __future__ import annotations

import datetime
import json
import platform
import re
from pathlib import Path

from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationDocument,
    BudgetLine,
    Call,
    DocumentKind,
    EligibilityRule,
    FormVersion,
    ProgramOfficer,
    RequiredDocument,
)
from benchmarks import interleave, loadgen, lock_hold
from benchmarks.gunicorn_server import gunicorn
from benchmarks.ranking import generate
from portal.identifiers import business_number_check_digit
from portal.models import Company, CompanyMembership, User

DECLARATIONS = {k: False for k in ("in_restricted_group", "owned_by_large_company", "closed_business", "tax_arrears", "loan_default", "participation_ban",
                                    "other_support")}


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Command(BaseCommand):
    help = "HTTP benchmark under gunicorn: ratios against baselines measured in the same run."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--applications", type=int, default=10_000)
        parser.add_argument("--rounds", type=int, default=5, help="alternating page/baseline slices per endpoint")
        parser.add_argument("--slice-seconds", type=float, default=2.0)
        parser.add_argument("--lock-samples", type=int, default=300, help="submissions timed in-process for the call's lock hold")
        parser.add_argument("--connections", type=int, default=8, help="wrk's open connections (concurrent clients)")
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--drafts", type=int, default=3000, help="complete drafts to submit, each at most once")
        parser.add_argument("--uploads", type=int, default=20, help="drafts the 5 MB uploads go to (in turn)")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "benchmarks" / "results"))

    def handle(self, *args, applications, rounds, slice_seconds, lock_samples, connections, workers, drafts, uploads, output,
               **options) -> None:
        self.stdout.write(f"Generating {applications:,} applications with 5 reviews each …")
        evaluated = generate(applications=applications, reviewers=5)
        self.documents = self._documents(evaluated, officer=User.objects.get(email="bench-officer@example.com"))
        applicant = User.objects.create(email=f"bench-applicant-{evaluated.code.lower()}@example.com", name="벤치 신청자")
        for company in Company.objects.filter(applications__call=evaluated).order_by("pk")[:20]:
            CompanyMembership.objects.create(company=company, user=applicant, role="owner")
        officer = User.objects.get(email="bench-officer@example.com")
        ProgramOfficer.objects.get_or_create(program=evaluated.program, user=officer)
        if not officer.authenticator_set.exists():
            TOTP.activate(officer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        open_call, submitter, draft_ids, upload_ids = self._drafts(evaluated, drafts, uploads)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # what autovacuum does within a minute of a bulk load in production
        queries = self._queries(evaluated, officer, applicant)
        admin = User.objects.create(email=f"bench-admin-{evaluated.code.lower()}@example.com", name="벤치 관리자", is_staff=True,
                                    is_superuser=True)
        TOTP.activate(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        sessions = {"applicant": _session(applicant), "officer": _session(officer), "submitter": _session(submitter), "admin": _session(admin)}
        results = {}
        with gunicorn(workers=workers, threads=4, extra_env={"DJANGO_SETTINGS_MODULE": "benchmarks.settings"}) as base:
            def get(path, who=None):
                return [("GET", path, {"Cookie": f"sessionid={sessions[who]}"} if who else {}, None)]

            def measure(name, page, baseline, *, unique=False, conns=connections):
                """Page and baseline in alternating slices (the order flipped each round): one
                ratio per round, reported as the median with its spread (benchmarks/interleave.py)."""
                spec = page if callable(page) else (lambda: page)
                loadgen.run(base, spec(), seconds=1, connections=conns, unique=unique)  # warm up
                loadgen.run(base, baseline, seconds=1, connections=conns)
                slices = []
                for n in range(rounds):
                    one = {}
                    for kind in (("baseline", "page") if n % 2 == 0 else ("page", "baseline")):
                        one[kind] = (loadgen.run(base, spec(), seconds=slice_seconds, connections=conns, unique=unique) if kind == "page"
                                     else loadgen.run(base, baseline, seconds=slice_seconds, connections=conns))
                    slices.append(one)
                results[name] = _pooled(slices)
                self.stdout.write(f"  {name}: {results[name]['page']['rps']:.1f} rps against {results[name]['baseline']['rps']:.1f}; "
                                  f"{interleave.spread(results[name])}")

            measure("public call list", get("/calls/"), get("/bench/bare"))
            measure("applicant dashboard", get("/applications/", "applicant"), get("/bench/bare", "applicant"))
            queue = get(f"/officer/queue/?call={evaluated.pk}", "officer")
            measure(f"officer queue ({applications:,} applications)", queue, get("/bench/bare", "officer"))
            measure(f"officer queue vs Django admin changelist ({applications:,} applications)", queue,
                    get(f"/admin/applications/application/?call__id__exact={evaluated.pk}", "admin"))
            token = self._csrf(base, sessions["submitter"], draft_ids[0])
            form_headers = {"Cookie": f"sessionid={sessions['submitter']}; csrftoken={token['cookie']}",
                            "Content-Type": "application/x-www-form-urlencoded", "Referer": base + "/"}

            def submissions():  # the drafts not submitted yet, each sent at most once
                left = Application.objects.filter(pk__in=draft_ids, state="draft").order_by("pk").values_list("pk", flat=True)
                return [("POST", f"/applications/{pk}/submit/", form_headers, f"csrfmiddlewaretoken={token['form']}&confirm=yes".encode())
                        for pk in left]

            insert = [("POST", "/bench/insert", {"Content-Type": "application/x-www-form-urlencoded"}, b"x=1")]
            measure("submission", submissions, insert, unique=True)
            body, boundary = self._multipart(5 * 1024 * 1024, open_call.required_documents.get().pk)
            upload_headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": base + "/"}
            uploads = [("POST", f"/applications/{pk}/edit/documents/",
                        {**upload_headers, "Cookie": f"sessionid={sessions['submitter']}; csrftoken={token['cookie']}"},
                        body.replace(b"TOKEN", token["form"].encode())) for pk in upload_ids]
            bare_upload = [("POST", "/bench/bare", upload_headers, body)]
            measure("document upload (5 MB)", uploads, bare_upload, conns=4)
        if any(s["page"]["exhausted"] for s in results["submission"]["slices"]):
            self.stderr.write("!! the submissions ran out of drafts; run again with a larger --drafts")
        left = list(Application.objects.filter(pk__in=draft_ids, state="draft").order_by("pk").values_list("pk", flat=True)[:lock_samples])
        hold = lock_hold.measure(user=submitter, application_ids=left) if left else None
        if hold:
            self.stdout.write(f"  submission lock hold: median {hold['median_ms']:.2f} ms (p95 {hold['p95_ms']:.2f}), "
                              f"at most {hold['ceiling_per_call_per_s']:.0f} submissions/s per call")
        submitted = Application.objects.filter(pk__in=draft_ids, state="submitted").count()
        self._write(Path(output), results, applications, submitted, len(draft_ids), workers, queries, connections, hold)
        for document in ApplicationDocument.objects.filter(application__call=open_call):
            document.file.delete(save=False)

    def _documents(self, evaluated: Call, *, officer) -> int:
        """Two documents for every application (rows sharing one stored PDF): the data set has
        documents as a real call does, without writing 20,000 files."""
        import hashlib

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        pdf = one_page_pdf()
        name = default_storage.save(f"bench/{evaluated.code}/plan.pdf", ContentFile(pdf))
        kinds = [RequiredDocument.objects.create(call=evaluated, kind=kind, name_ko=ko, name_en=en, is_required=True, formats=["pdf"])
                 for kind, ko, en in [(DocumentKind.BUSINESS_PLAN, "사업계획서", "Business plan"),
                                      (DocumentKind.TAX_CLEARANCE, "완납증명서", "Tax clearance")]]
        rows = [ApplicationDocument(application_id=pk, requirement=kind, file=name, original_name=f"{kind.kind}.pdf", detected_format="pdf",
                                    size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(), uploaded_by=officer)
                for pk in Application.objects.filter(call=evaluated).values_list("pk", flat=True) for kind in kinds]
        ApplicationDocument.objects.bulk_create(rows, batch_size=5000)
        return len(rows)

    def _drafts(self, evaluated: Call, count: int, uploads: int):
        now = timezone.now()
        call = Call.objects.create(program=evaluated.program, code=f"BO-{now:%H%M%S}", title="bench open call", opens_at=now - datetime.timedelta(days=1),
                                   closes_at=now + datetime.timedelta(days=7), budget_total=10**13, max_grant=400_000_000,
                                   max_file_mb=20, max_total_mb=30_000, max_files=500, is_published=True)
        form = FormVersion.objects.create(call=call, number=1)
        EligibilityRule.objects.create(call=call, kind="one_per_call", params={}, order=99)
        RequiredDocument.objects.create(call=call, kind=DocumentKind.OTHER, name_ko="기타", name_en="Other", is_required=False, formats=["pdf"])
        submitter = User.objects.create(email=f"bench-submitter-{call.code.lower()}@example.com", name="벤치 제출자")
        companies = []
        base = 500_000_000 + int(now.timestamp()) % 100_000 * 1000
        for n in range(count + uploads):
            nine = f"{base + n:09d}"
            companies.append(Company(name=f"제출기업{n}", business_number=nine + str(business_number_check_digit(nine)), representative_name="-",
                                     address="-", region="48", ksic_code="C29111", founded_on=datetime.date(2015, 1, 1), employees=10,
                                     fiscal_year=2025, revenue_latest=1, revenue_previous=1, revenue_before_previous=1, total_assets=1))
        Company.objects.bulk_create(companies)
        CompanyMembership.objects.bulk_create([CompanyMembership(company=c, user=submitter, role="owner") for c in companies])
        drafts = Application.objects.bulk_create([
            Application(call=call, company=c, form_version=form, created_by=submitter, project_title="벤치마크 과제",
                        declarations=DECLARATIONS, grant_requested=100_000_000) for c in companies])
        BudgetLine.objects.bulk_create([BudgetLine(application=a, category="equipment", description="장비", amount=300_000_000) for a in drafts])
        ids = [a.pk for a in drafts]
        return call, submitter, ids[:count], ids[count:]

    def _queries(self, evaluated: Call, officer, applicant) -> dict:
        """Queries per page with 10 rows and with the full data set: they must be equal."""
        from django.db import connection as db
        from django.test.utils import CaptureQueriesContext

        small = generate(applications=10, reviewers=5, seed=11)
        few = User.objects.create(email=f"bench-few-{small.code.lower()}@example.com")
        CompanyMembership.objects.create(company=Company.objects.filter(applications__call=small).first(), user=few, role="owner")

        def count(user, path):
            client = Client()
            client.force_login(user)
            with CaptureQueriesContext(db) as captured:
                assert client.get(path).status_code == 200, path
            return len(captured)

        return {
            "officer queue": (count(officer, f"/officer/queue/?call={small.pk}"), count(officer, f"/officer/queue/?call={evaluated.pk}")),
            "officer queue, filtered and sorted": (count(officer, f"/officer/queue/?call={small.pk}&state=under_review&sort=company"),
                                                   count(officer, f"/officer/queue/?call={evaluated.pk}&state=under_review&sort=company")),
            "call dashboard": (count(officer, f"/officer/calls/{small.pk}/dashboard/"), count(officer, f"/officer/calls/{evaluated.pk}/dashboard/")),
            "applicant dashboard (1 vs 20 applications)": (count(few, "/applications/"), count(applicant, "/applications/")),
        }

    def _csrf(self, base: str, session: str, application_id: int) -> dict:
        import urllib.request

        request = urllib.request.Request(f"{base}/applications/{application_id}/edit/review/", headers={"Cookie": f"sessionid={session}"})
        response = urllib.request.urlopen(request, timeout=30)
        cookie = re.search(r"csrftoken=([^;]+)", response.headers.get("Set-Cookie", "")).group(1)
        form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode()).group(1)
        return {"cookie": cookie, "form": form}

    def _multipart(self, size: int, requirement: int) -> tuple[bytes, str]:
        boundary = "benchboundary7e3f"
        pdf = one_page_pdf(size=size)
        parts = [
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\nTOKEN\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"requirement\"\r\n\r\n{requirement}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".encode(),
            pdf, f"\r\n--{boundary}--\r\n".encode(),
        ]
        return b"".join(parts), boundary

    def _write(self, folder: Path, results: dict, applications: int, submitted: int, drafts: int, workers: int, queries: dict,
               connections: int, hold: dict | None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        version = loadgen.version()
        meta = {"applications": applications, "reviews": applications * 5, "documents": self.documents, "submitted": submitted, "drafts": drafts,
                "gunicorn_workers": workers,
                "load_generator": f"{version}, {connections} connections, same machine",
                "database": connection.vendor, "machine": f"{platform.machine()} {platform.system()} ({__import__('os').cpu_count()} cores)",
                "measured_at": timezone.now().isoformat(timespec="seconds")}
        (folder / "http.json").write_text(json.dumps({"meta": meta, "results": results, "queries": queries, "lock_hold": hold}, indent=2) + "\n")
        rounds = next(iter(results.values()))["rounds"]
        lines = [f"{meta['machine']}, {connection.vendor}, gunicorn {workers} workers × 4 threads, load from {meta['load_generator']}; "
                 f"{applications:,} applications with {applications * 5:,} reviews and {self.documents:,} documents in the call; "
                 f"{submitted} submissions stored. Page and baseline alternate in {rounds} rounds of short slices; the ratio is "
                 "the median of the rounds' ratios, with the interquartile range and the extremes.", "",
                 "| endpoint | rps | p95 | errors | baseline | baseline rps | ratio (baseline rps ÷ page rps): median (IQR; range) |",
                 "|---|---|---|---|---|---|---|"]
        for name, r in results.items():
            page, baseline = r["page"], r["baseline"]
            against = "Django admin changelist" if "admin" in name else ("one INSERT" if name == "submission" else "bare view")
            lines.append(f"| {name} | {page['rps']:.1f} | {page['p95_ms']:.0f} ms | {page['errors']} | {against} | {baseline['rps']:.1f} | "
                         f"{interleave.spread(r)} |")
        if hold:
            lines += ["", f"Submission lock hold (the call's row, from the receipt counter's UPDATE to the end of COMMIT; "
                          f"{hold['submissions']} submissions in-process): median {hold['median_ms']:.2f} ms, IQR {hold['p25_ms']:.2f}–"
                          f"{hold['p75_ms']:.2f} ms, p95 {hold['p95_ms']:.2f} ms, max {hold['max_ms']:.2f} ms — at most "
                          f"{hold['ceiling_per_call_per_s']:.0f} submissions a second to one call. Of the median: the counter and "
                          f"the four writes {hold['statements_median_ms']:.2f} ms, the COMMIT (its WAL flush) {hold['commit_median_ms']:.2f} ms."]
        lines += ["", f"| page | queries with 10 rows | queries with {applications:,} rows |", "|---|---|---|"]
        lines += [f"| {name} | {small} | {large} |" for name, (small, large) in queries.items()]
        (folder / "http.md").write_text("\n".join(lines) + "\n")
        self.stdout.write("\n".join(lines))


def _pooled(slices: list[dict]) -> dict:
    """Page and baseline over all their slices (requests ÷ time, worst p95, errors summed),
    each round's ratio, and the median ratio with its spread."""
    def pool(kind: str) -> dict:
        runs = [s[kind] for s in slices]
        seconds = sum(r["duration_s"] for r in runs)
        return {"rps": sum(r["requests"] for r in runs) / seconds if seconds else 0.0, "p95_ms": max(r["p95_ms"] for r in runs),
                "errors": sum(r["errors"] for r in runs), "requests": sum(r["requests"] for r in runs)}

    ratios = [s["baseline"]["rps"] / s["page"]["rps"] if s["page"]["rps"] else float("inf") for s in slices]
    summary = interleave.summary(ratios, [1 / s["page"]["rps"] for s in slices if s["page"]["rps"]], [1 / s["baseline"]["rps"] for s in slices])
    return {"page": pool("page"), "baseline": pool("baseline"), "slices": slices, **summary}


def one_page_pdf(size: int = 0) -> bytes:
    """A well-formed one-page PDF (uploads are parsed: a page tree and a cross-reference table are
    needed), padded to `size` bytes with a comment after its header."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]

    def build(padding: int) -> bytes:
        body = b"%PDF-1.4\n" + (b"%" + b"0" * padding + b"\n" if padding else b"")
        offsets = []
        for number, obj in enumerate(objects, 1):
            offsets.append(len(body))
            body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
        table = b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % at for at in offsets)
        return body + table + b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % len(body)

    padding = max(0, size - len(build(0)) - 2)
    while size and padding and len(pdf := build(padding)) != size:  # the startxref number's digits move with the padding
        padding += size - len(pdf)
    return build(padding)
