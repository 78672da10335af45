"""Korean formats where Django's own read as the portal does not: times on the 24-hour clock
(2026년 12월 7일 23:32, not 11:32 오후), as every page and document of the portal writes them
(portal/formatting.py). Only what differs from Django's Korean formats is set here; the
rest, input formats included, is Django's."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y년 n월 j일 H:i"
