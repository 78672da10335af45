"""접속기록 of a period as CSV, for an auditor or the 개인정보 보호책임자's monthly review."""

from __future__ import annotations

import csv
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.admin import ACCESS_CSV_HEADER, access_rows
from portal.csv_cells import csv_safe
from portal.models import AccessRecord


class Command(BaseCommand):
    help = "Export the access records (접속기록) of a period (KST dates, inclusive) as CSV."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD (KST)")
        parser.add_argument("--until", default="", help="last day, YYYY-MM-DD (KST); default today")
        parser.add_argument("--account", default="", help="only this e-mail address")
        parser.add_argument("--output", required=True, help="the CSV file to write")

    def handle(self, *args, since: str, until: str, account: str, output: str, **options) -> None:
        try:
            first = datetime.date.fromisoformat(since)
            last = datetime.date.fromisoformat(until) if until else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from None
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        records = AccessRecord.objects.filter(created_at__gte=start, created_at__lt=end).order_by("created_at")
        if account:
            records = records.filter(actor_email__iexact=account)
        count = 0
        with open(output, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(ACCESS_CSV_HEADER)
            for row in access_rows(records.iterator(chunk_size=2000)):
                writer.writerow([csv_safe(v) for v in row])
                count += 1
        self.stdout.write(self.style.SUCCESS(f"{count} access records written to {output}."))
