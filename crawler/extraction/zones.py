"""Which clock a page's dates are written in, and where that was learned.

A date without an offset ("2025-06-05 14:30") is local time on the publisher's clock. Stored
as UTC it would be hours off (2 to 9 hours on the Fundus pages). The zone is taken, in order:
from another date on the same page that names its offset ("page"); the site profile's
``timezone`` ("profile"); the page's country (the ``lang="de-AT"`` region, the URL's country
domain) or language where one zone covers it ("language"); else UTC, recorded as "none".
A date that names its own offset needs none of this ("date").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from crawler.extraction import dates
from crawler.extraction.dateparse import Parsed, zone
from crawler.extraction.page import Page
from crawler.items import ExtractedArticle

# Countries with one zone (or one the press keeps to). Keys: ISO 3166 codes as country domains
# and lang regions use them.
COUNTRY_ZONES = {
    "de": "Europe/Berlin",
    "at": "Europe/Vienna",
    "ch": "Europe/Zurich",
    "li": "Europe/Vaduz",
    "fr": "Europe/Paris",
    "be": "Europe/Brussels",
    "nl": "Europe/Amsterdam",
    "lu": "Europe/Luxembourg",
    "it": "Europe/Rome",
    "es": "Europe/Madrid",
    "pt": "Europe/Lisbon",
    "uk": "Europe/London",
    "gb": "Europe/London",
    "ie": "Europe/Dublin",
    "dk": "Europe/Copenhagen",
    "no": "Europe/Oslo",
    "se": "Europe/Stockholm",
    "fi": "Europe/Helsinki",
    "is": "Atlantic/Reykjavik",
    "pl": "Europe/Warsaw",
    "cz": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "gr": "Europe/Athens",
    "tr": "Europe/Istanbul",
    "lt": "Europe/Vilnius",
    "lv": "Europe/Riga",
    "ee": "Europe/Tallinn",
    "ua": "Europe/Kyiv",
    "si": "Europe/Ljubljana",
    "hr": "Europe/Zagreb",
    "rs": "Europe/Belgrade",
    "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul",
    "cn": "Asia/Shanghai",
    "tw": "Asia/Taipei",
    "hk": "Asia/Hong_Kong",
    "vn": "Asia/Ho_Chi_Minh",
    "th": "Asia/Bangkok",
    "my": "Asia/Kuala_Lumpur",
    "sg": "Asia/Singapore",
    "ph": "Asia/Manila",
    "in": "Asia/Kolkata",
    "pk": "Asia/Karachi",
    "il": "Asia/Jerusalem",
    "lb": "Asia/Beirut",
    "ae": "Asia/Dubai",
    "sa": "Asia/Riyadh",
    "qa": "Asia/Qatar",
    "eg": "Africa/Cairo",
    "za": "Africa/Johannesburg",
    "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi",
    "tz": "Africa/Dar_es_Salaam",
    "gh": "Africa/Accra",
    "nz": "Pacific/Auckland",
    "ar": "America/Argentina/Buenos_Aires",
    "cl": "America/Santiago",
    "co": "America/Bogota",
    "pe": "America/Lima",
    "ve": "America/Caracas",
}
# Languages spoken in one zone (or nearly all their press in one): not English, Spanish,
# Portuguese, Arabic, French or Russian, which span continents.
LANGUAGE_ZONES = {
    "de": "Europe/Berlin",
    "it": "Europe/Rome",
    "nl": "Europe/Amsterdam",
    "da": "Europe/Copenhagen",
    "no": "Europe/Oslo",
    "nb": "Europe/Oslo",
    "nn": "Europe/Oslo",
    "sv": "Europe/Stockholm",
    "fi": "Europe/Helsinki",
    "is": "Atlantic/Reykjavik",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "el": "Europe/Athens",
    "tr": "Europe/Istanbul",
    "lt": "Europe/Vilnius",
    "lv": "Europe/Riga",
    "et": "Europe/Tallinn",
    "uk": "Europe/Kyiv",
    "sl": "Europe/Ljubljana",
    "hr": "Europe/Zagreb",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "zh": "Asia/Shanghai",
    "vi": "Asia/Ho_Chi_Minh",
    "th": "Asia/Bangkok",
    "ms": "Asia/Kuala_Lumpur",
    "he": "Asia/Jerusalem",
    "sw": "Africa/Dar_es_Salaam",
}
# Second-level labels under a country domain: "co.uk", "com.au" …
_ENGLISH_SECOND = re.compile(r"\.(?:co|com|org|net|gov|ac)\.(?P<cc>[a-z]{2})$")


def offset_name(value: tzinfo | None, sample: datetime | None = None) -> str:
    """A fixed offset as "+02:00" (what a date string named)."""
    delta = value.utcoffset(sample) if value is not None else None
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def named_zone(name: str | None) -> tzinfo | None:
    """The zone a recorded name stands for: an IANA name or a fixed "+02:00"."""
    if not name:
        return None
    if m := re.fullmatch(r"([+-])(\d{2}):(\d{2})", name):
        minutes = int(m[2]) * 60 + int(m[3])
        return timezone(timedelta(minutes=minutes if m[1] == "+" else -minutes))
    return zone(name)


def _country(page: Page) -> str | None:
    lang = page.tree.get("lang") or page.meta_first("og:locale", "content-language") or ""
    if m := re.match(r"^[a-z]{2,3}[-_](?P<cc>[a-z]{2})\b", lang.strip().lower()):
        return m["cc"]
    host = page.host
    if m := _ENGLISH_SECOND.search(host):
        return m["cc"]
    tld = host.rsplit(".", 1)[-1]
    return tld if len(tld) == 2 else None


def local_guess(page: Page) -> str | None:
    """The zone of the page's country, else of its language; None when neither says one."""
    country = _country(page)
    if country and country in COUNTRY_ZONES:
        return COUNTRY_ZONES[country]
    return LANGUAGE_ZONES.get(page.declared_language or "")


def page_zone(page: Page, dated: Iterable[Parsed]) -> tuple[tzinfo, str, str]:
    """(zone, its name, source) for the page's dates written without an offset."""
    offsets = [p.value for p in dated if p.has_offset]
    # A UTC stamp ("…Z") is how a CMS stores time, not the clock the page shows: an offset of
    # zero says little about the local zone, any other offset says it.
    local = next((v for v in offsets if v.utcoffset() != timedelta()), None)
    if local is not None:
        fixed = timezone(local.utcoffset() or timedelta())
        return fixed, offset_name(fixed), "page"
    if page.site and page.site.timezone:
        return zone(page.site.timezone), page.site.timezone, "profile"
    if guess := local_guess(page):
        return ZoneInfo(guess), guess, "language"
    if offsets:
        return UTC, "+00:00", "page"
    return UTC, "UTC", "none"


def set_dates(page: Page, article: ExtractedArticle,
              candidates: list[dates.DateCandidate]) -> None:
    """The article's publication and modification time, read in the page's zone."""
    if not candidates and (fallback := dates.fallback_candidate(page)):
        candidates = [fallback]
    modified = dates.modified_candidates(page)
    clock, name, source = page_zone(page, [c.parsed for c in candidates + modified])
    candidates, modified = dates.in_zone(candidates, clock), dates.in_zone(modified, clock)
    if best := dates.choose(candidates, clock):
        article.published_at, article.published_raw = best.value, best.raw
        article.published_source = best.source
        if best.parsed.has_offset:
            name, source = offset_name(best.value.tzinfo, best.value), "date"
        article.published_zone, article.published_zone_source = name, source
    latest = dates.choose(modified, clock)
    if latest and (article.published_at is None or latest.value >= article.published_at):
        article.modified_at = latest.value
