"""Publication and modification time: gather every candidate, weigh them, keep the best.

No single source is right everywhere: JSON-LD is missing on old templates, meta tags are
sometimes the crawl or cache time, <time> elements also date the related-article teasers,
the visible date line is the most faithful but the hardest to find, and a URL carries only
what the site put there. So each candidate gets a weight for its source, a bonus for naming
the time of day, and the weights of the other candidates that agree with it (within two
minutes, or half of it for the same day when one is a bare date). The heaviest wins; its
source and raw string are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from htmldate import find_date

from crawler.extraction.dateparse import WEEKDAY_RE, Parsed, parse_date, zone
from crawler.extraction.page import Page

# Source weights: how much a source is trusted to be the publication time. Set by judgment
# (see docs/extraction.md); the recorded pages agree with them but are too few to tune them.
W_PROFILE = 1.0  # the site's own date line, found by the profile's selectors
W_JSONLD = 0.9
W_META = 0.85
W_META_WEAK = 0.5  # ambiguous keys ("date", "dc.date"): sometimes the page's build time
W_TIME = 0.6
W_TEXT = 0.7
W_URL = 0.5
W_HTMLDATE = 0.3

# "article:published:time": a misspelling some CMSs print, read as the property it means.
_PUBLISHED_META = ("article:published_time", "article:published:time",
                   "og:article:published_time", "datepublished", "article.published",
                   "publishdate", "publish-date", "publish_date", "pubdate",
                   "parsely-pub-date", "sailthru.date", "og:published_time", "dcterms.created",
                   "dc.date.issued", "article_date_original", "datecreated")
_WEAK_META = ("date", "dc.date", "dcterms.date")
_MODIFIED_META = ("article:modified_time", "article:modified:time", "og:updated_time",
                  "datemodified", "dc.date.modified", "article.updated", "lastmod", "last-modified")
# A visible date line: a weekday, then a date with its time before or after it. Searched
# from the date outwards (digits are cheap to find; a leading alternation of weekday names
# over 100 kB of text is not: 3.6 ms against 0.3 ms per page, measured).
_DATE_ANY = re.compile(r"(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2})(?!\d)")
_BEFORE = re.compile(rf"(?<!\w){WEEKDAY_RE}\s*[,.\-–]?\s*(?:\d{{1,2}}[:h]\d{{2}}\s*[-–,|]?\s*)?$",
                     re.IGNORECASE)
_AFTER = re.compile(r"^(?:\s*[-–,|]?\s*\d{1,2}[:h]\d{2})?(?:\s*\(?GMT\s*[+-]\d{1,2}\)?)?")


def text_date(text: str) -> str | None:
    """The first "<weekday>, <date> <time>" (or "<weekday>, <time> <date>") in the text."""
    for m in _DATE_ANY.finditer(text):
        if before := _BEFORE.search(text[max(0, m.start() - 30): m.start()]):
            after = _AFTER.match(text[m.end(): m.end() + 20])
            return before[0] + m[0] + (after[0] if after else "")
    return None


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|$)")


@dataclass(frozen=True)
class DateCandidate:
    parsed: Parsed
    raw: str
    source: str  # jsonld | meta | time | text | url | htmldate (ExtractedArticle.published_source)
    weight: float

    @property
    def value(self) -> datetime:
        return self.parsed.value


def _agree(a: DateCandidate, b: DateCandidate, tz: tzinfo) -> float:
    if a.parsed.has_time and b.parsed.has_time:
        return 1.0 if abs((a.value - b.value).total_seconds()) < 120 else 0.0
    return 0.5 if a.value.astimezone(tz).date() == b.value.astimezone(tz).date() else 0.0


def choose(candidates: list[DateCandidate], tz: tzinfo) -> DateCandidate | None:
    """The best-supported candidate; on a tie the earlier (higher-priority) one."""
    best, best_score = None, -1.0
    for cand in candidates:
        support = sum(o.weight * _agree(cand, o, tz) for o in candidates if o is not cand)
        score = cand.weight + 0.4 * cand.parsed.has_time + 0.1 * cand.parsed.has_offset
        score += support
        if score > best_score:
            best, best_score = cand, score
    return best


def in_zone(candidates: list[DateCandidate], clock: tzinfo) -> list[DateCandidate]:
    """The candidates, those written without an offset read as ``clock``'s local time (they
    were placed in the profile's zone, or UTC, while the page's own zone was not yet known)."""
    return [c if c.parsed.has_offset else replace(c, parsed=Parsed(
        c.value.replace(tzinfo=clock), c.parsed.has_time, False)) for c in candidates]


def _add(out: list[DateCandidate], raw: object, source: str, weight: float, tz: tzinfo,
         formats: tuple[str, ...] = ()) -> None:
    if isinstance(raw, str) and (parsed := parse_date(raw, tz, formats)):
        out.append(DateCandidate(parsed, raw.strip(), source, weight))


def _visible_text(page: Page, limit: int = 300_000) -> str:
    # itertext() is C-speed; script text comes along but holds no weekday-prefixed dates.
    body = page.tree.find("body")
    text = " ".join((body if body is not None else page.tree).itertext())[:limit]
    return unicodedata.normalize("NFC", text)


def published_candidates(page: Page, extra: list[DateCandidate]) -> list[DateCandidate]:
    """Every publication-time candidate on the page, strongest sources first."""
    site = page.site
    tz = zone(site.timezone if site else None)
    formats = site.date_formats if site else ()
    out: list[DateCandidate] = []
    if site:
        for css in site.date_selectors:
            for raw in page.select(css)[:2]:
                _add(out, raw, "time" if "::attr" in css else "text", W_PROFILE, tz, formats)
    for raw in page.jsonld_values("datePublished") + page.jsonld_values("dateCreated"):
        _add(out, raw, "jsonld", W_JSONLD, tz)
    for key in _PUBLISHED_META:
        for raw in page.meta.get(key, [])[:1]:
            _add(out, raw, "meta", W_META, tz)
    for key in _WEAK_META:
        for raw in page.meta.get(key, [])[:1]:
            _add(out, raw, "meta", W_META_WEAK, tz)
    for el in page.tree.xpath('//*[@itemprop="datePublished"][not(self::meta)]')[:1]:
        _add(out, el.get("content") or el.get("datetime") or el.text_content(), "meta", W_META, tz)
    for el in page.tree.xpath("//time[@datetime]")[:2]:
        _add(out, el.get("datetime"), "time", W_TIME, tz)
    # The visible date line costs a scan of the page's text; it cannot outweigh a timed
    # structured date (JSON-LD, meta, the profile's own), so it is looked for only without one.
    strong = any(c.parsed.has_time and c.weight >= W_META for c in out)
    if not strong and (found := text_date(_visible_text(page))):
        _add(out, found, "text", W_TEXT, tz)
    if m := _URL_DATE.search(page.url):
        _add(out, f"{m[1]}-{m[2]}-{m[3]}", "url", W_URL, tz)
    out.extend(extra)
    return out


def modified_candidates(page: Page) -> list[DateCandidate]:
    tz = zone(page.site.timezone if page.site else None)
    out: list[DateCandidate] = []
    for raw in page.jsonld_values("dateModified"):
        _add(out, raw, "jsonld", W_JSONLD, tz)
    for key in _MODIFIED_META:
        for raw in page.meta.get(key, [])[:1]:
            _add(out, raw, "meta", W_META, tz)
    return out


_MONTHS = {m: n for n, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for m in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "September 4, 2025", "Sep. 4th 2025", "4 September 2025": how English pages print a date.
_MONTH_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{{2}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})\.?,?\s+(?P<y2>(?:19|20)\d{{2}}))\b",
    re.IGNORECASE)


def month_name_date(text: str) -> str | None:
    """The first English month-name date in the text, as YYYY-MM-DD."""
    for m in _MONTH_DATE.finditer(text):
        month = _MONTHS[(m["m1"] or m["m2"]).lower()]
        day, year = int(m["d1"] or m["d2"]), int(m["y1"] or m["y2"])
        if 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def fallback_candidate(page: Page) -> DateCandidate | None:
    """The last resort when the page gave no date anywhere else: the first English
    month-name date in its text ("September 4, 2025": what htmldate's extensive search finds
    through dateparser, at ≈ 1 s for each locale it loads), else htmldate's quick search."""
    tz = zone(page.site.timezone if page.site else None)
    if (raw := month_name_date(_visible_text(page, 50_000))) and (parsed := parse_date(raw, tz)):
        return DateCandidate(parsed, raw, "text", W_HTMLDATE)
    try:
        raw = find_date(page.tree, url=page.url, original_date=True, extensive_search=False,
                        outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:  # htmldate is a heuristic; its failures must not fail extraction
        return None
    if not raw or not (parsed := parse_date(raw, tz)):
        return None
    # htmldate pads a bare date with midnight: a midnight time is no time of day.
    if parsed.value.astimezone(tz).strftime("%H:%M:%S") == "00:00:00":
        parsed = Parsed(parsed.value, False, parsed.has_offset)
    return DateCandidate(parsed, raw, "htmldate", W_HTMLDATE)
