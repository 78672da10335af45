"""Deployment checks (`manage.py check --deploy`): the agreement's signature, benchmark endpoints."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def agreement_timestamp_authority(app_configs, **kwargs):
    if settings.DEBUG or settings.AGREEMENT_TSA_URL:
        return []
    return [Warning(
        "AGREEMENT_TSA_URL is not set: executed agreements get a PAdES B-B signature without a timestamp "
        "or embedded validation data, which cannot be validated once the signing certificate expires.",
        hint="Set AGREEMENT_TSA_URL to an RFC 3161 time-stamping authority (PAdES B-T, and B-LT with the validation data).",
        id="applications.W001",
    )]


@register(Tags.security, deploy=True)
def benchmark_endpoints_off(app_configs, **kwargs):
    """The benchmark settings add unauthenticated, CSRF-exempt write endpoints (bench/insert):
    they must never serve real users."""
    if settings.DEBUG:
        return []
    on = "benchmarks" in settings.INSTALLED_APPS or settings.ROOT_URLCONF.startswith("benchmarks")
    return [Error(
        "The benchmark endpoints are on (DJANGO_SETTINGS_MODULE=benchmarks.settings) in a production configuration.",
        hint="Serve the portal with DJANGO_SETTINGS_MODULE=portal.settings; the benchmark settings are for the bench targets only.",
        id="applications.E001",
    )] if on else []
