"""Bounds on what a buyer or partner may submit, shared by the web forms, the API and the
services (one table, so the three doors cannot drift apart)."""

from __future__ import annotations

NAME_MAX_LENGTH = 200  # the configuration name column
MAX_SCHEDULE_YEARS = 30  # a program schedule: at most this many delivery years
YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_KITS_PER_YEAR = 100_000_000
MAX_QUANTITY_PER_KIT = 100_000  # hard cap on any line; the web also holds a slot to its range
MAX_LINES = 20
