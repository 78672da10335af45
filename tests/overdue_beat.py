"""Celery beat as it starts after its machine was away for two days: every job of the portal's
schedule (settings.CELERY_BEAT_SCHEDULE, unchanged) is due at the first tick, so one beat
process sends each job once within a second instead of after its interval (a minute for the
heartbeat, a day for the anchors). Used by tests/test_several_machines.py:

    celery -A portal beat --scheduler tests.overdue_beat:OverdueScheduler --schedule VAR/celerybeat-schedule
"""

from __future__ import annotations

from datetime import timedelta

from celery.beat import PersistentScheduler


class OverdueScheduler(PersistentScheduler):
    def setup_schedule(self) -> None:
        super().setup_schedule()
        for entry in self.schedule.values():
            entry.last_run_at = entry.default_now() - timedelta(days=2)
