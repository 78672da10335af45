"""Cells of a CSV file opened in a spreadsheet: a text that starts like a formula is written
with a leading apostrophe, so that opening an export never runs what a company typed
(CSV injection)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
