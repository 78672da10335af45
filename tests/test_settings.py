"""Production settings pass Django's deployment checks; laptop defaults stay usable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "PORTAL_HTTPS": "true",
    "SECRET_KEY": "k3Zq9v-not-a-real-secret-but-long-and-random-enough-for-the-check-7f1c2b",
    "ALLOWED_HOSTS": "portal.example.kr",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.kr",
    "SITE_URL": "https://portal.example.kr",
    "AGREEMENT_TSA_URL": "http://tsa.example.kr/tsa",
    "OPEN_DATA_GRANT_PREFIX": "360G-portal-example-kr",
    # Test values only (production takes them from the secret store).
    "EVENT_CHAIN_KEY": "chain-key-for-the-settings-test-only-0123456789abcdef",
    "MFA_ENCRYPTION_KEYS": "290sNM7VSe09qHXaTocEhkPqUHmc3HT_6civTtDkn1M=",
}


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "PORTAL_HTTPS"}}
    clean.update(env, PORTAL_VAR_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_a_timestamp_authority_is_flagged(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "AGREEMENT_TSA_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "applications.W001" in result.stdout + result.stderr


def test_production_publishing_open_data_under_the_placeholder_prefix_is_flagged(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "OPEN_DATA_GRANT_PREFIX"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "opendata.W001" in result.stdout + result.stderr


def test_production_with_the_benchmark_endpoints_on_fails_the_check(tmp_path):
    env = PRODUCTION_ENV | {"DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
    result = _manage("check", "--deploy", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "applications.E001" in result.stdout + result.stderr


@pytest.mark.parametrize(("unset", "check"), [("EVENT_CHAIN_KEY", "applications.W002"), ("MFA_ENCRYPTION_KEYS", "applications.W003")])
def test_production_without_its_own_keys_is_flagged(tmp_path, unset, check):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != unset}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode != 0 and check in result.stdout + result.stderr


def test_a_malformed_mfa_key_is_an_error(tmp_path):
    result = _manage("check", "--deploy", env=PRODUCTION_ENV | {"MFA_ENCRYPTION_KEYS": "not-a-key"}, tmp_path=tmp_path)
    assert result.returncode != 0 and "applications.E002" in result.stdout + result.stderr


def test_laptop_defaults_would_fail_the_deploy_check(tmp_path):
    # The check is a real check: without the production values it complains.
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env={"DEBUG": "true"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "security.W" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_times_are_stored_in_utc_and_shown_in_kst(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.LANGUAGE_CODE == "ko"


# --- The anchor bucket keeps its files (an S3-compatible server: moto's, in this process) -----

@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    from benchmarks.gunicorn_server import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def anchor_bucket(endpoint: str, protection: str) -> str:
    """A new bucket protected as said: "" (nothing), "versioning", "object-lock" (with a default retention)."""
    import secrets

    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    name = f"anchors-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=protection == "object-lock")
    if protection == "versioning":
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if protection == "object-lock":
        client.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 10}}})
    return name


def s3_production(endpoint: str, bucket: str, **more: str) -> dict[str, str]:
    return PRODUCTION_ENV | {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "portal-media", "ANCHOR_BUCKET": bucket,
                             "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": "us-east-1",
                             "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"} | more


@pytest.mark.parametrize("protection", ["object-lock", "versioning"])
def test_an_anchor_bucket_that_keeps_its_files_passes_the_deploy_check(tmp_path, s3_endpoint, protection):
    env = s3_production(s3_endpoint, anchor_bucket(s3_endpoint, protection))
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("declared", ["", "object-lock"])
def test_an_anchor_bucket_whose_files_can_be_deleted_is_flagged(tmp_path, s3_endpoint, declared):
    """Neither object lock nor versioning: flagged, and a declaration does not outvote the bucket's own answer."""
    bucket = anchor_bucket(s3_endpoint, "")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=s3_production(s3_endpoint, bucket, ANCHOR_BUCKET_PROTECTION=declared),
                     tmp_path=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "applications.W004" in output
    assert f"The anchor bucket '{bucket}' has neither object lock with a default retention nor versioning" in output


def test_an_anchor_bucket_that_cannot_be_asked_is_flagged_unless_declared(tmp_path):
    from benchmarks.gunicorn_server import free_port

    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=s3_production(nobody, "portal-anchors"), tmp_path=tmp_path)
    assert result.returncode != 0 and "applications.W005" in result.stdout + result.stderr
    declared = s3_production(nobody, "portal-anchors", ANCHOR_BUCKET_PROTECTION="object-lock")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=declared, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
