"""Date strings as news sites print them, to timezone-aware datetimes.

Accepted, in the order tried: the profile's ``date_formats`` (strptime), ISO 8601 (with
``Z``, ``+0700``, a space for ``T``), RFC 2822 (feeds, HTTP), and day-first numeric dates with
an optional time before or after them, as Vietnamese and Lithuanian sites print them:
"Thứ Sáu, 22/01/2016 11:35", "Thứ Ba, 14:20 29/09/2015", "09/04/2020 - 10:30",
"08-11-2020 15:11", "2013.11.02 12:40". A weekday prefix and "(GMT+7)" are understood.
Input may be NFD (decomposed diacritics): it is NFC-normalised first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_RE = (r"(?:th[uứ]\s*(?:hai|ba|t[uư]|n[aă]m|s[aá]u|b[aả]y|b[aẩ]y|[2-7])|ch[uủ]\s*nh[aậ]t|cn"
            r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)")
WEEKDAY_PREFIX = re.compile(rf"^\s*{WEEKDAY_RE}\s*[,.\-–]?\s*", re.IGNORECASE)
_GMT = re.compile(r"\(?\s*(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\s*\)?", re.IGNORECASE)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
                  r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d/.-])(\d{1,2})\s*[:hg]\s*(\d{2})(?::(\d{2}))?(?!\d)\s*(am|pm|sa|ch)?",
                   re.IGNORECASE)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # older "dates" are template junk or ids


@dataclass(frozen=True)
class Parsed:
    value: datetime  # timezone-aware
    has_time: bool  # False for a bare date (midnight is not a publication time)
    has_offset: bool  # the string named its own offset; it did not need the site's zone


def zone(name: str | None) -> tzinfo:
    """The profile's zone; UTC when unknown (the generic path has no better guess)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _plausible(parsed: Parsed | None) -> Parsed | None:
    if parsed is None:
        return None
    latest = datetime.now(UTC) + timedelta(days=2)
    return parsed if EARLIEST <= parsed.value <= latest else None


def _aware(value: datetime, tz: tzinfo, offset: tzinfo | None) -> tuple[datetime, bool]:
    if value.tzinfo is not None:
        return value, True
    if offset is not None:
        return value.replace(tzinfo=offset), True
    return value.replace(tzinfo=tz), False


def _clean(raw: str) -> tuple[str, tzinfo | None]:
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw)).strip()
    offset = None
    if m := _GMT.search(text):
        minutes = int(m[2]) * 60 + int(m[3] or 0)
        offset = timezone(timedelta(minutes=minutes if m[1] == "+" else -minutes))
        text = (text[: m.start()] + text[m.end():]).strip()
    return WEEKDAY_PREFIX.sub("", text), offset


def _clock(text: str) -> tuple[int, int, int] | None:
    m = _TIME.search(text)
    if not m:
        return None
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    suffix = (m[4] or "").lower()
    if suffix in ("pm", "ch") and hour < 12:
        hour += 12
    elif suffix in ("am", "sa") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _numeric(text: str) -> tuple[datetime, bool] | None:
    if m := _DMY.search(text):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        # Day first, as every profiled site prints it; month first only when day first cannot be.
        day, month = (second, first) if second > 12 >= first else (first, second)
    elif m := _YMD.search(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        return None
    rest = text[: m.start()] + " " + text[m.end():]
    clock = _clock(rest)
    try:
        return datetime(year, month, day, *(clock or (0, 0, 0))), clock is not None
    except ValueError:
        return None


def _iso(text: str) -> tuple[datetime, bool] | None:
    if not (m := _ISO.search(text)):
        return None
    iso = m[0].replace(",", ".")
    iso = re.sub(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s+([+-]|Z)", r"\1\2", iso)
    try:
        return datetime.fromisoformat(iso), len(m[0]) > 10
    except ValueError:
        return None


def _rfc2822(text: str) -> tuple[datetime, bool] | None:
    if not re.search(r"\d{1,2} [A-Za-z]{3} \d{4} \d", text):
        return None
    try:
        return parsedate_to_datetime(text), True
    except (TypeError, ValueError, IndexError):
        return None


def parse_date(raw: str | None, tz: tzinfo = UTC, formats: Sequence[str] = ()) -> Parsed | None:
    """Parse one date string; naive results are placed in ``tz``. None when it is no date."""
    if not raw or len(raw) > 200:
        return None
    text, offset = _clean(raw)
    for fmt in formats:
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        aware, own = _aware(value, tz, offset)
        return _plausible(Parsed(aware, any(c in fmt for c in ("%H", "%I", "%M")), own))
    found = _iso(text) or _rfc2822(text)
    if found is not None:
        aware, own = _aware(found[0], tz, offset)
        return _plausible(Parsed(aware, found[1], own))
    if numeric := _numeric(text):
        aware, own = _aware(numeric[0], tz, offset)
        return _plausible(Parsed(aware, numeric[1], own))
    return None
