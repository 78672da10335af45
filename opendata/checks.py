"""Deployment check: the grants' ids carry the publisher's own 360Giving prefix."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# The prefix a laptop publishes under; never one to publish real grants with.
PLACEHOLDER_PREFIX = "360G-example-portal"


@register(Tags.security, deploy=True)
def grant_prefix_set(app_configs, **kwargs):
    if settings.DEBUG or settings.OPEN_DATA_GRANT_PREFIX != PLACEHOLDER_PREFIX:
        return []
    return [Warning(
        "OPEN_DATA_GRANT_PREFIX is not set: the open data publishes its grants under a placeholder prefix, and a grant's id must "
        "never change once published.",
        hint="Set OPEN_DATA_GRANT_PREFIX to the prefix 360Giving assigned to the publisher (360G-…) before the first grant is published.",
        id="opendata.W001",
    )]
