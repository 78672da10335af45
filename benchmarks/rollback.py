"""Shared by the benchmark commands: run work inside a transaction that is rolled back."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


class _Rollback(Exception):
    pass


def rolled_back(work: Callable[[], dict]) -> dict:
    """Run `work` (which may write freely) and undo every write; return its result."""
    result: dict = {}
    try:
        with transaction.atomic():
            result = work()
            raise _Rollback
    except _Rollback:
        pass
    return result
