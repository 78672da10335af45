"""Deployment checks (`manage.py check --deploy`): the agreement's signature, benchmark endpoints, keys."""

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


@register(Tags.security, deploy=True)
def keys_outside_the_database(app_configs, **kwargs):
    """The hash chains' key and the MFA secrets' key: set of their own in production, so that
    neither is derived from SECRET_KEY (rotated more often) nor lost with it."""
    if settings.DEBUG:
        return []
    problems = []
    if not settings.EVENT_CHAIN_KEY:
        problems.append(Warning("EVENT_CHAIN_KEY is not set: the hash chains are keyed with a key derived from SECRET_KEY.",
                                hint="Set EVENT_CHAIN_KEY from the secret store and never rotate it (docs/deployment.md).",
                                id="applications.W002"))
    if not settings.MFA_ENCRYPTION_KEYS:
        problems.append(Warning("MFA_ENCRYPTION_KEYS is not set: TOTP secrets are encrypted with a key derived from SECRET_KEY.",
                                hint="Set MFA_ENCRYPTION_KEYS to one or more Fernet keys (the first encrypts).", id="applications.W003"))
    else:
        from cryptography.fernet import Fernet

        try:
            [Fernet(key) for key in settings.MFA_ENCRYPTION_KEYS]
        except ValueError:
            problems.append(Error("MFA_ENCRYPTION_KEYS holds a value that is not a Fernet key.",
                                  hint="Make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'",
                                  id="applications.E002"))
    return problems
