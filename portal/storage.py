"""What a file store that cannot take a file raises, and what the person is told then."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The disk's OSError (full, unwritable) and, with MEDIA_STORAGE=s3, botocore's (the object
# store unreachable, or refusing the write).
STORAGE_FAILURES = (OSError, BotoCoreError, ClientError)


def store_away() -> ValidationError:
    return ValidationError(_("The file could not be stored just now (the server's storage is full or unavailable). "
                             "Nothing was saved; please try again in a few minutes."), code="storage")
