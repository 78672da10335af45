"""Settings for the benchmarks: the portal's own, plus the `benchmarks` app (its commands)
and a URLconf with the bare baseline views. Production never loads this module; use it as
DJANGO_SETTINGS_MODULE=benchmarks.settings (the Makefile's bench targets do)."""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]  # noqa: F405
ROOT_URLCONF = "benchmarks.urls"
