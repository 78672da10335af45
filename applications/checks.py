"""Deployment checks of the agreement's signature (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
