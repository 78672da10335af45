"""docs/configuration.md is the one list of environment variables: tested against what the
settings actually read, both ways, so a variable cannot be added undocumented or linger in
the documentation after it is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""\benv_(?:str|bool|int|float|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def read_by_the_product() -> set[str]:
    names = set()
    for package in ("portal", "applications", "reviews"):
        for path in (ROOT / package).rglob("*.py"):
            names |= set(READ.findall(path.read_text()))
            names |= set(re.findall(r"""os\.environ(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE"}


def documented() -> set[str]:
    table = (ROOT / "docs" / "configuration.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", table, re.MULTILINE))


def test_every_variable_the_settings_read_is_documented_and_nothing_else():
    read, listed = read_by_the_product(), documented()
    assert len(read) > 40  # the reader finds the settings' variables at all
    assert read - listed == set(), f"read but not in docs/configuration.md: {sorted(read - listed)}"
    assert listed - read == set(), f"in docs/configuration.md but read nowhere: {sorted(listed - read)}"


def test_the_readme_points_to_the_table():
    readme = (ROOT / "README.md").read_text()
    assert "docs/configuration.md" in readme


def test_the_cache_takes_the_database_after_the_brokers(monkeypatch):
    """`REDIS_URL=redis://host/4` puts the cache on 5, never on the broker's own database."""
    import importlib

    import portal.settings as settings_module

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/4")
    monkeypatch.delenv("REDIS_CACHE_DB", raising=False)
    monkeypatch.delenv("REDIS_CACHE_URL", raising=False)
    try:
        fresh = importlib.reload(settings_module)
        assert fresh.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/5"
        assert fresh.CELERY_BROKER_URL == "redis://127.0.0.1:6379/4"
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)


def test_the_readme_names_every_debian_package_the_set_up_installs():
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    packages = re.search(r"DEBIAN_PACKAGES=\(([^)]*)\)", bootstrap).group(1).split()
    readme = (ROOT / "README.md").read_text()
    missing = [p for p in packages if f"`{p}`" not in readme]
    assert packages and missing == [], missing
