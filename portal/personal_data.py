"""What the portal holds about a person, gathered from every app that holds some of it.

Each app registers one `Holder` when it is ready (its `personal_data` module): what stops the
person from leaving now, what leaving removes or anonymises, the sections of the person's own
copy (개인정보 보호법 §35), and which records are about the person, so that the reads of them
by staff (접속기록) are shown too. Portal's services read the registry: portal never imports
the apps built on it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Section:
    """One table of the person's own copy. `rows` gives every row, newest first (the page
    shows the first ones, the download all of them); cells are plain values — text, numbers,
    booleans, datetimes, None."""

    key: str
    title: Promise | str
    columns: tuple[Promise | str, ...]
    count: int
    rows: Callable[[], Iterable[list]]

    def first_rows(self, limit: int) -> list[list]:
        rows: list[list] = []
        for row in self.rows():
            if len(rows) == limit:
                break
            rows.append(row)
        return rows


def _nothing(user) -> list:
    return []


def _forget_nothing(user, *, now) -> None:
    return None


@dataclass(frozen=True)
class Holder:
    name: str
    # Sentences saying why the person cannot leave now (empty: nothing in this app stops them).
    obstacles: Callable[..., list[str]] = _nothing
    # Removes or anonymises what the app holds about the person. Runs inside the leaving
    # transaction, after the obstacles were checked under the person's row lock.
    forget: Callable[..., None] = _forget_nothing
    # The app's sections of the person's own copy.
    sections: Callable[..., list[Section]] = _nothing
    # (record type, ids) of records about the person, as access records name them.
    about: Callable[..., list[tuple[str, list[str]]]] = _nothing


HOLDERS: dict[str, Holder] = {}


def register(holder: Holder) -> Holder:
    HOLDERS[holder.name] = holder
    return holder


def holders() -> Iterator[Holder]:
    """In the order the apps registered (INSTALLED_APPS: portal first)."""
    return iter(list(HOLDERS.values()))
