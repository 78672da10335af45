"""A backup restores into an empty database with everything in it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from applications import lifecycle
from applications.models import Agreement, Application, ApplicationEvent
from applications.services import agreements
from applications.services.events import verify_chain
from portal.models import Company, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_restore_into_an_empty_database_finds_everything(db, tmp_path, settings, request):
    # Identifiers well past 1, as on a server that has run for a while.
    from tests.conftest import make_person

    for n in range(7):
        make_person(f"gone{n}@example.com").delete()
    selected, olivia = request.getfixturevalue("selected"), request.getfixturevalue("olivia")
    request.getfixturevalue("signing_cert")
    agreement = lifecycle.agreement_start(user=olivia, application_id=selected.pk)
    agreements.render_version(version_id=agreement.current_version().pk)
    counts = {model: model.objects.count() for model in (User, Company, Application, ApplicationEvent, Agreement)}
    pdf = agreement.current_version().pdf.read()
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())

    # An empty database and empty file storage.
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    assert not User.objects.exists()

    call_command("restore", str(archive), stdout=io.StringIO())
    assert {model: model.objects.count() for model in counts} == counts
    restored = Agreement.objects.get(number=agreement.number)
    assert restored.current_version().pdf.read() == pdf
    application = Application.objects.get(pk=selected.pk)
    assert verify_chain(application) == []
    assert connection.vendor in ("sqlite", "postgresql")


def test_restore_refuses_a_database_that_is_not_empty(alice, tmp_path):
    archive = tmp_path / "b.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_a_first_format_dump_names_the_decision_rows_by_their_app_today(tmp_path):
    """Archives of the first format (Django's JSON) were taken when selection rounds, items,
    offers and appeals belonged to reviews: their rows load under applications."""
    import json

    from portal.services.backups import _rename_moved_models

    dump = tmp_path / "database.json"
    dump.write_text(json.dumps([{"model": "reviews.selectionround", "pk": 1, "fields": {}}, {"model": "reviews.appeal", "pk": 2, "fields": {}},
                                {"model": "reviews.panel", "pk": 3, "fields": {}}]))
    _rename_moved_models(dump)
    assert [row["model"] for row in json.loads(dump.read_text())] == ["applications.selectionround", "applications.appeal", "reviews.panel"]
