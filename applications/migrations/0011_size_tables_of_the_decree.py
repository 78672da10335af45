"""The size tables of 중소기업기본법 시행령 as revised in 2017 (DOMAIN.md): 별표1, the SME
ceiling of average revenue by main industry, and 별표3, the lower 소기업 table. Rows are
data an administrator can revise (a new version with the date it takes effect)."""

import datetime

from django.db import migrations

EOK = 100_000_000  # 1억 원

SME = {  # 별표1: 평균매출액등 … 이하
    1500: ["C14", "C15", "C17", "C24", "C28", "C32"],
    1000: ["A", "B", "C10", "C12", "C13", "C16", "C19", "C20", "C22", "C25", "C26", "C29", "C30", "C31", "D", "E36", "F", "G"],
    800: ["C11", "C18", "C21", "C23", "C27", "C33", "E", "H", "J"],
    600: ["C34", "M", "N", "Q", "R", "S"],
    400: ["I", "K", "L", "N76", "P"],
}
SMALL = {  # 별표3: 소기업
    120: ["C10", "C11", "C14", "C15", "C19", "C20", "C21", "C23", "C24", "C25", "C26", "C28", "C29", "C30", "C32", "D", "E36"],
    80: ["A", "B", "C12", "C13", "C16", "C17", "C18", "C22", "C27", "C31", "C33", "F", "H", "K"],
    50: ["C34", "E", "G", "J", "M", "N", "Q", "R", "S"],
    30: ["I", "L", "N76", "P"],
}
VERSION = datetime.date(2017, 10, 17)


def seed(apps, schema_editor):
    SizeStandard = apps.get_model("applications", "SizeStandard")
    SizeLimit = apps.get_model("applications", "SizeLimit")
    for scale, table, source, assets in [
        ("sme", SME, "중소기업기본법 시행령 [별표 1] 주된 업종별 평균매출액등의 중소기업 규모 기준 (2017년 개정)", 5000 * EOK),
        ("small", SMALL, "중소기업기본법 시행령 [별표 3] 주된 업종별 평균매출액등의 소기업 규모 기준 (2017년 개정)", 5000 * EOK),
    ]:
        standard, created = SizeStandard.objects.get_or_create(
            scale=scale, version_date=VERSION, defaults={"source": source, "assets_limit": assets})
        if created:
            SizeLimit.objects.bulk_create(
                SizeLimit(standard=standard, code=code, revenue_limit=eok * EOK) for eok, codes in table.items() for code in codes)


class Migration(migrations.Migration):
    dependencies = [("applications", "0010_rules_as_law_reads_them")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
