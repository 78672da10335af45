"""The chain of sweep files in the anchor store (portal/services/anchor_chain.py): each file
records its number and the SHA-256 of the one before, the database records the newest, and
`manage.py verify_events` needs an unbroken chain from where the checkpoint left it to a file
written in the last ten minutes — telling, in Korean, what is missing or altered.

These tests run in one transaction each, where the head log written on commit never fires: the
chain (and the checkpoint) is then all an insider has to get past."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
from io import StringIO

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from applications import lifecycle
from applications.models import Application, ApplicationEvent
from portal.formatting import moment
from portal.models import AuditEvent, ChainHead
from portal.services.anchor_chain import FILES_CHAIN, HEARTBEAT, chain_name
from portal.services.anchor_files import anchor_read, anchor_save
from portal.services.anchors import AnchorWithheld, anchor_write
from portal.tasks import anchor_heads

pytestmark = pytest.mark.django_db

# A minute boundary after now: the calls the fixtures open are open then.
START = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def verify_events_problems(*args: str) -> list[str]:
    err = StringIO()
    try:
        call_command("verify_events", *args, stderr=err, stdout=StringIO())
    except CommandError:
        return err.getvalue().splitlines()
    return []


def at(minutes: float):
    """The clock at START plus `minutes`, standing still."""
    return time_machine.travel(START + datetime.timedelta(minutes=minutes), tick=False)


def store():
    return storages["anchors"]


def shown(name: str) -> str:
    """When a chain file was written, as the messages show it: 2026년 12월 7일(월) 11:33:47 (KST)."""
    with translation.override("ko"):
        return moment(datetime.datetime.fromisoformat(anchor_read(name)["at"]), seconds=True)


def shown_at(value: datetime.datetime) -> str:
    with translation.override("ko"):
        return moment(value, seconds=True)


def missing(seq: int) -> str:
    return f"앵커 체인 파일 {seq}번이 앵커 저장소에 없습니다. 앵커 파일의 체인이 이 자리에서 끊겼습니다(파일이 삭제됨)."


def rewrite_with_the_key(name: str, change) -> None:
    """What an insider who also holds EVENT_CHAIN_KEY can do: a new file under the old name, its MAC valid."""
    anchor = anchor_read(name)
    change(anchor)
    store().delete(name)
    assert anchor_save(name, anchor)[0] == name


@pytest.fixture
def decided(alice, olivia, complete_draft):
    """Submitted at START, chain file 1 names it; screened a minute later, chain file 2 names that."""
    with at(0):
        lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
        assert anchor_heads() == chain_name(1)
    with at(1):
        lifecycle.screening_pass(user=olivia, application_id=complete_draft.pk)
        assert anchor_heads() == chain_name(2)
    return Application.objects.get(pk=complete_draft.pk)


def test_each_sweep_file_records_its_number_and_the_digest_of_the_one_before(decided):
    first, second = anchor_read(chain_name(1)), anchor_read(chain_name(2))
    assert first["chain"] == {"seq": 1, "previous": None}
    with store().open(chain_name(1), "rb") as handle:
        assert second["chain"] == {"seq": 2, "previous": hashlib.sha256(handle.read()).hexdigest()}
    assert [decided.pk, decided.event_head] in second["applications"]
    with store().open(chain_name(2), "rb") as handle:
        tip = ChainHead.objects.get(name=FILES_CHAIN)
        assert (tip.seq, tip.hash) == (2, hashlib.sha256(handle.read()).hexdigest())
    # The audit log says since when a check requires the chain, and file 1 names that event.
    started = AuditEvent.objects.get(action="chain.started")
    assert first["audit"] == {"seq": started.seq, "hash": started.hash}
    with at(2):
        assert verify_events_problems() == []


def test_a_day_of_normal_operation_verifies_at_every_moment(alice, olivia, complete_draft):
    """The beat sweeps every minute: a file when something changed, and at least every five
    minutes when nothing did; the check is clean at every minute of the hour."""
    with at(0):
        lifecycle.application_submit(user=alice, application_id=complete_draft.pk, now=timezone.now())
    written = []
    for minute in range(60):
        with at(minute):
            if minute == 17:
                lifecycle.screening_pass(user=olivia, application_id=complete_draft.pk)
            if minute == 30:
                anchor_write()  # the daily checkpoint, as if it were 00:10
            written.append(anchor_heads())
            if minute % 7 == 0:
                assert verify_events_problems() == [], minute
    files = [name for name in written if name]
    # Minute 0 (the start), 17 (the decision), 30 (the checkpoint's own audit event), and a
    # heartbeat whenever the newest is more than five minutes old: at least one every six minutes.
    assert files == [chain_name(n) for n in range(1, len(files) + 1)]
    assert 10 <= len(files) <= 16, files
    with at(59.5):
        assert verify_events_problems("--from-first") == []


def test_deleting_the_newest_chain_file_with_the_events_it_named_is_found(decided):
    """The finding: an insider removes the officer's decision, moves the head back, and deletes
    the one anchor file that named it. Before, verification read only the files that exist."""
    decision, before = ApplicationEvent.objects.filter(application=decided).order_by("-seq")[:2]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM applications_applicationevent WHERE id = %s", [decision.pk])
        cursor.execute("UPDATE applications_application SET event_head = %s, anchored_head = %s, state = 'submitted' WHERE id = %s",
                       [before.hash, before.hash, decided.pk])
    store().delete(chain_name(2))
    with at(2):
        assert verify_events_problems() == [missing(2)]


def test_deleting_a_middle_chain_file_is_found(decided):
    with at(7):
        assert anchor_heads() == chain_name(3)  # nothing new: the heartbeat
    store().delete(chain_name(2))
    with at(8):
        assert verify_events_problems() == [missing(2)]


def test_deleting_several_files_is_told_once_for_the_run(decided):
    with at(7):
        anchor_heads()
    with at(13):
        anchor_heads()
    store().delete(chain_name(2))
    store().delete(chain_name(3))
    with at(14):
        problems = verify_events_problems()
    assert problems[0] == "앵커 체인 파일 2~3번이 앵커 저장소에 없습니다. 앵커 파일의 체인이 이 자리에서 끊겼습니다(파일이 삭제됨)."
    # File 2 was the only anchor of the decision, older than the grace by now.
    assert problems[1:] == [f"application {decided.pk}: its newest event ({decided.events.count()}, written "
                            f"{decided.events.order_by('-seq').first().created_at.isoformat()}) is in no anchor "
                            "(the anchor files naming it were deleted, or never written)"]


def test_altering_a_middle_chain_file_is_found_even_with_the_key(decided):
    with at(7):
        anchor_heads()
    rewrite_with_the_key(chain_name(2), lambda anchor: anchor.update(applications=[]))  # "the decision was never anchored"
    with at(8):
        assert verify_events_problems() == ["앵커 체인 파일 2번이 변조되었거나 바뀌었습니다. 다음 파일(3번)에 기록된 SHA-256과 다릅니다."]


def test_altering_a_middle_chain_file_without_the_key_breaks_its_signature_too(decided):
    with at(7):
        anchor_heads()
    with store().open(chain_name(2), "rb") as handle:
        document = json.loads(gzip.decompress(handle.read()))
    document["anchor"]["applications"] = []
    store().delete(chain_name(2))
    store().save(chain_name(2), ContentFile(gzip.compress(json.dumps(document).encode())))
    with at(8):
        assert verify_events_problems() == [
            "앵커 체인 파일 2번을 검증할 수 없습니다. 변조되었거나 다른 키로 작성되었습니다.",
            "앵커 체인 파일 2번이 변조되었거나 바뀌었습니다. 다음 파일(3번)에 기록된 SHA-256과 다릅니다.",
        ]


def test_replacing_the_newest_chain_file_is_found_against_the_database(decided):
    rewrite_with_the_key(chain_name(2), lambda anchor: anchor.update(applications=[]))
    with at(2):
        assert verify_events_problems() == ["앵커 체인 파일 2번이 데이터베이스에 가장 최근 파일로 기록된 파일이 아닙니다(SHA-256이 다름)."]


def test_no_chain_file_within_ten_minutes_is_an_error(decided):
    """The sweep stopped — or the newest files were deleted with the database's record of them:
    either way the chain ends too long ago."""
    with store().open(chain_name(1), "rb") as handle:
        ChainHead.objects.filter(name=FILES_CHAIN).update(seq=1, hash=hashlib.sha256(handle.read()).hexdigest())
    store().delete(chain_name(2))
    with at(10):
        assert verify_events_problems() == []  # within the grace the next file may be on its way
    with at(11.5):
        assert verify_events_problems()[0] == (
            f"가장 최근의 앵커 체인 파일(1번)은 {shown(chain_name(1))}에 작성되어 10분이 넘었습니다. "
            "anchor-heads 작업이 멈췄거나 그 뒤의 체인 파일이 삭제되었습니다.")


def test_an_emptied_chain_with_its_record_removed_is_found_through_the_audit_log(decided):
    started = AuditEvent.objects.get(action="chain.started").created_at
    for seq in (1, 2):
        store().delete(chain_name(seq))
    ChainHead.objects.filter(name=FILES_CHAIN).delete()
    with at(2):
        assert verify_events_problems()[0] == (
            f"감사 기록에는 {shown_at(started)}에 앵커 파일 체인이 시작되었다고 되어 있지만, "
            "앵커 저장소에 체인 파일이 없고 데이터베이스에도 기록이 없습니다. 파일과 그 기록이 지워졌습니다.")


def test_a_checkpoint_records_where_the_chain_stood_and_the_check_starts_there(decided):
    with at(3):
        name = anchor_write()
        assert anchor_read(name)["chain"]["seq"] == 2
        anchor_heads()  # file 3, naming the checkpoint's own audit event
    store().delete(chain_name(1))  # older than the checkpoint: what it named, the checkpoint names
    with at(4):
        assert verify_events_problems() == []
        assert verify_events_problems("--from-first") == [missing(1)]


def test_a_checkpoint_is_withheld_over_a_gap_in_the_chain(decided):
    with at(7):
        anchor_heads()
    store().delete(chain_name(2))
    with at(8), pytest.raises(AnchorWithheld) as withheld:
        anchor_write()
    assert withheld.value.problems == [missing(2)]


def test_a_checkpoint_altered_or_removed_is_found_by_the_one_after_it(decided):
    with at(3):
        first = anchor_write()
    with at(4):
        anchor_heads()
    with time_machine.travel(START + datetime.timedelta(days=1), tick=False):
        anchor_heads()
        second = anchor_write()
        anchor_heads()
        assert verify_events_problems("--from-first") == []
        rewrite_with_the_key(first, lambda anchor: anchor.update(applications=[]))
        assert verify_events_problems("--from-first") == [
            f"체크포인트 파일 {first}의 SHA-256이 다음 체크포인트({second})에 기록된 값과 다릅니다. 변조되었거나 바뀌었습니다."]
        store().delete(first)
        assert verify_events_problems("--from-first") == [
            f"다음 체크포인트 {second}에 직전 체크포인트로 기록된 파일({first})이 앵커 저장소에 없습니다."]


def test_a_sweep_after_a_restore_takes_over_the_files_written_since_the_backup(decided):
    """A database restored from before file 2 was written: the sweep continues the store's
    chain (nothing is written twice under one number), and the check finds what the restore lost."""
    with store().open(chain_name(1), "rb") as handle:
        file_one = handle.read()
    ChainHead.objects.filter(name=FILES_CHAIN).update(seq=1, hash=hashlib.sha256(file_one).hexdigest())
    with at(2):
        assert anchor_heads() == chain_name(3)
    assert anchor_read(chain_name(3))["chain"]["seq"] == 3 and ChainHead.objects.get(name=FILES_CHAIN).seq == 3
    assert sorted(store().listdir("chain/00000000")[1]) == [f"{n:012d}.json.gz" for n in (1, 2, 3)]
    with at(2.5):
        assert verify_events_problems() == []


def test_the_sweep_refuses_to_write_over_a_file_that_does_not_follow(decided):
    """A file under the next number that does not follow the database's newest: the sweep stops
    and says so, rather than write a second file under that number."""
    from portal.services.anchor_chain import ChainBroken

    with at(2):
        anchor_save(chain_name(3), {"format": 1, "at": timezone.now().isoformat(), "audit": None, "applications": [],
                                    "chain": {"seq": 3, "previous": "0" * 64}})
    with at(7), pytest.raises(ChainBroken, match="does not follow file 2"):
        anchor_heads()
    assert ChainHead.objects.get(name=FILES_CHAIN).seq == 2


def test_a_heartbeat_is_written_only_when_the_newest_file_is_old(decided):
    with at(1 + HEARTBEAT.total_seconds() / 60 - 0.5):
        assert anchor_heads() is None
    with at(1 + HEARTBEAT.total_seconds() / 60 + 0.5):
        assert anchor_heads() == chain_name(3)
        assert anchor_read(chain_name(3))["applications"] == []
