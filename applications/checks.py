"""Deployment checks (`manage.py check --deploy`): the agreement's signature, benchmark endpoints, keys,
the anchor bucket."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from portal.services.anchor_files import anchor_bucket_protection


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


@register(Tags.security, deploy=True)
def anchor_bucket_keeps_its_files(app_configs, **kwargs):
    """The anchors are evidence only while whoever holds the portal's credentials cannot delete
    them: an S3 anchor store needs object lock with a default retention, or at least versioning
    (portal/services/anchors.py). The bucket is asked; ANCHOR_BUCKET_PROTECTION answers only
    when it cannot be."""
    from django.core.files.storage import storages


    if settings.DEBUG or "s3" not in settings.STORAGES["anchors"]["BACKEND"].lower():
        return []
    storage = storages["anchors"]
    try:
        protection = anchor_bucket_protection(storage)
    except Exception as exc:  # botocore's: no permission, no answer, no such bucket
        if settings.ANCHOR_BUCKET_PROTECTION in ("object-lock", "versioning"):
            return []
        return [Warning(
            f"The anchor bucket {storage.bucket_name!r} could not be asked whether it has object lock or versioning "
            f"({exc.__class__.__name__}: {exc}).",
            hint="Allow the portal's credentials s3:GetBucketObjectLockConfiguration and s3:GetBucketVersioning on it, or, "
                 "once the bucket has object lock with a default retention, set ANCHOR_BUCKET_PROTECTION=object-lock "
                 "(docs/deployment.md#tamper-evidence).",
            id="applications.W005",
        )]
    if protection:
        return []
    return [Warning(
        f"The anchor bucket {storage.bucket_name!r} has neither object lock with a default retention nor versioning: whoever "
        "holds the portal's storage credentials can delete anchor files, with the events they named, unnoticed.",
        hint="Create the bucket with object lock and a default retention in compliance mode (at least: turn versioning on), and "
             "deny the portal's credentials every s3:Delete* and s3:PutBucket* action (docs/deployment.md#tamper-evidence).",
        id="applications.W004",
    )]
