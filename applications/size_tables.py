"""The size tables of 중소기업기본법 시행령 as revised in 2017 (DOMAIN.md): 별표1, the SME
ceiling of average revenue by main industry, and 별표3, the lower 소기업 table. They live in
the database (`SizeStandard`, `SizeLimit`) so that an administrator enters a revision with
the date it takes effect; this is the version the portal starts with."""

from __future__ import annotations

import datetime

from applications.models import SizeLimit, SizeStandard

EOK = 100_000_000  # 1억 원
VERSION = datetime.date(2017, 10, 17)

SME = {  # 별표1: 평균매출액등 … 이하
    1500: ["C14", "C15", "C17", "C24", "C28", "C32"],
    1000: ["A", "B", "C10", "C12", "C13", "C16", "C19", "C20", "C22", "C25", "C26", "C29", "C30", "C31", "D", "E36", "F", "G"],
    800: ["C11", "C18", "C21", "C23", "C27", "C33", "E", "H", "J"],
    600: ["C34", "M", "N", "Q", "R", "S"],
    400: ["I", "K", "L", "N76", "P"],
}
SMALL = {  # 별표3: 소기업 — five tiers; the 10억 tier is the one most often forgotten
    120: ["C10", "C11", "C14", "C15", "C19", "C20", "C21", "C23", "C24", "C25", "C26", "C28", "C29", "C30", "C32", "D"],
    80: ["A", "B", "C12", "C13", "C16", "C17", "C18", "C22", "C27", "C31", "C33", "E36", "F", "H", "K"],
    50: ["G", "J"],
    30: ["E", "L", "M", "N", "R"],
    10: ["C34", "I", "P", "Q", "S"],
}
TABLES = [
    ("sme", SME, "중소기업기본법 시행령 [별표 1] 주된 업종별 평균매출액등의 중소기업 규모 기준 (2017년 개정)"),
    ("small", SMALL, "중소기업기본법 시행령 [별표 3] 주된 업종별 평균매출액등의 소기업 규모 기준 (2017년 개정)"),
]


def seed(size_standard_model, size_limit_model) -> None:
    """Create the 2017 tables unless they exist (used by the data migration and by tests,
    whose transactional cases empty every table between them)."""
    for scale, table, source in TABLES:
        standard, created = size_standard_model.objects.get_or_create(
            scale=scale, version_date=VERSION, defaults={"source": source, "assets_limit": 5000 * EOK})
        if created:
            size_limit_model.objects.bulk_create(
                size_limit_model(standard=standard, code=code, revenue_limit=eok * EOK) for eok, codes in table.items() for code in codes)


def correct_small_table(size_standard_model, size_limit_model) -> None:
    """Replace the rows of the 2017 별표3 with SMALL. The table first entered here had nine
    divisions wrong and no 10억 tier; that was never the decree, so the version keeps its date
    and its rows are corrected rather than a new version added."""
    for standard in size_standard_model.objects.filter(scale="small", version_date=VERSION):
        standard.limits.all().delete()
        size_limit_model.objects.bulk_create(
            size_limit_model(standard=standard, code=code, revenue_limit=eok * EOK) for eok, codes in SMALL.items() for code in codes)


def ensure_seeded() -> None:

    if not SizeStandard.objects.filter(version_date=VERSION).exists():
        seed(SizeStandard, SizeLimit)
