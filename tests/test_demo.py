from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from applications.models import Call, Program
from portal.models import Company, User

pytestmark = pytest.mark.django_db


def test_demo_data_creates_the_programs_with_an_open_call_each_and_can_run_twice(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    assert Program.objects.count() == 4
    names = set(Program.objects.values_list("name_ko", flat=True))
    assert {"스마트공장 구축·고도화", "소재·부품·장비 스타트업100"} <= names
    assert any("자상한" in n for n in names) and any("규제자유특구" in n for n in names)
    from django.utils import timezone

    assert Call.objects.published().open_at(timezone.now()).count() == 4
    assert User.objects.filter(email__endswith="@example.com").count() == 5
    assert Company.objects.count() == 1


def test_demo_data_refuses_to_load_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.exists()
