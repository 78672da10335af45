"""The portal's settings with a quick password hasher, for tests that sign hundreds of
people in through a real gunicorn (hashing strength is Django's concern, not theirs).
Never used outside the test suite."""

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
