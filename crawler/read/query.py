"""The read side's search: what was asked checked against the archive, then searched.

Library functions behind ``crawler query`` (one article is shown by :mod:`crawler.read.show`,
reports by :mod:`crawler.read.stats`, exports by :mod:`crawler.read.export`); the archive is
opened by :mod:`crawler.read.archive_access` and the SQL is in :mod:`crawler.db.search_sql`.
Every mistake in what was asked (an unknown site, a malformed date, an impossible range, a
search the syntax does not allow) raises a :class:`~crawler.errors.CrawlerError` whose message
says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crawler.config import Config
from crawler.db import search_sql
from crawler.errors import ConfigError, CrawlerError
from crawler.read.archive_access import archive_session
from crawler.read.snippets import snippet
from crawler.text.search_syntax import parse

SNIPPET_WORDS = 30


class InvalidFilter(CrawlerError):
    """A filter names something the archive does not have, or cannot be read."""


# --- filters -------------------------------------------------------------------------------
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_date(value: str, option: str, *, end: bool = False) -> datetime:
    """A day, month or year (YYYY-MM-DD, YYYY-MM, YYYY) or an ISO 8601 time, in UTC unless
    it says otherwise. ``end`` gives the first instant *after* the period (for --until)."""
    text = value.strip()
    m = _DATE_RE.match(text)
    try:
        if m:
            year, month, day = int(m[1]), int(m[2] or 1), int(m[3] or 1)
            start = datetime(year, month, day, tzinfo=UTC)
            if not end:
                return start
            if m[3]:
                return start + timedelta(days=1)
            if m[2]:
                return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            return datetime(year + 1, 1, 1, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidFilter(
            f"{option} {value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY, "
            "or an ISO 8601 time such as 2019-06-01T12:00+07:00)"
        )
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC) + (timedelta(microseconds=1) if end else timedelta())


@dataclass(frozen=True)
class Filters:
    """What a person asked for, as typed (validated against the archive by :func:`resolve`)."""

    text: str | None = None
    sites: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    min_relevance: float | None = None
    include_duplicates: bool = False


def _unknown(kind: str, option: str, asked: tuple[str, ...], known: set[str]) -> InvalidFilter:
    unknown = sorted(set(asked) - known)
    have = ", ".join(sorted(known)) or "none yet"
    return InvalidFilter(f"unknown {kind} {', '.join(map(repr, unknown))} ({option}); "
                         f"the archive has: {have}")


def resolve(session: Session, filters: Filters) -> search_sql.Selection:
    """Check the filters against the archive and turn them into a query selection."""
    sites: dict[str, int] = {}
    if filters.sites:
        sites = search_sql.site_ids(session)
        if not set(filters.sites) <= set(sites):
            raise _unknown("site", "--site", filters.sites, set(sites))
    asked = set(filters.languages)
    if asked and search_sql.present(session, "language", filters.languages) != asked:
        raise _unknown("language", "--lang", filters.languages,
                       search_sql.present(session, "language"))
    asked = set(filters.seeds)
    if asked and not asked <= search_sql.present(session, "seed_id", filters.seeds) | set(
        seed_titles()
    ):
        raise _unknown("seed", "--seed", filters.seeds,
                       search_sql.present(session, "seed_id") | set(seed_titles()))
    since = parse_date(filters.since, "--since") if filters.since else None
    until = parse_date(filters.until, "--until", end=True) if filters.until else None
    if since is not None and until is not None and since >= until:
        raise InvalidFilter(
            f"--since {filters.since} is after --until {filters.until}: no article can match"
        )
    if filters.min_relevance is not None and not 0.0 <= filters.min_relevance <= 1.0:
        raise InvalidFilter(f"--min-relevance {filters.min_relevance} is outside 0..1")
    search = None
    if filters.text is not None and filters.text.strip():
        search = parse(filters.text, frozenset(filters.languages))
    return search_sql.Selection(
        site_ids=tuple(sites[key] for key in filters.sites),
        languages=filters.languages,
        seeds=filters.seeds,
        since=since,
        until=until,
        min_relevance=filters.min_relevance,
        include_duplicates=filters.include_duplicates,
        search=search,
    )


def seed_titles() -> dict[str, str]:
    """Seed id -> title from the manifest; empty when there is no readable manifest."""
    from crawler.seeds import load_seeds

    try:
        return {s.id: s.title for s in load_seeds(Config.from_env().seeds_dir)}
    except ConfigError:
        return {}


# --- search --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hit:
    id: int
    title: str | None
    site: str
    language: str | None
    published: datetime | None
    seed: str | None
    relevance: float | None
    url: str
    duplicate_of: int | None
    score: float | None
    snippet: str

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int  # matches, not only the ones shown (counted only so far: see total_exact)
    total_exact: bool = True  # False: there are at least ``total`` matches
    filters: Filters = field(default_factory=Filters)


def search(
    database_url: str, filters: Filters, *, sort: search_sql.Sort | None = None, limit: int = 20,
    mark: tuple[str, str] = ("**", "**"),
) -> SearchResult:
    """The best ``limit`` articles for the filters; ``sort`` defaults to relevance when there
    is search text (the search's rank) and to date otherwise."""
    with archive_session(database_url) as session:
        return search_in(session, filters, sort=sort, limit=limit, mark=mark)


def search_in(
    session: Session, filters: Filters, *, sort: search_sql.Sort | None = None, limit: int = 20,
    mark: tuple[str, str] = ("**", "**"),
) -> SearchResult:
    """:func:`search` in an open session (the benchmark keeps one)."""
    if limit < 1:
        raise InvalidFilter(f"--limit {limit}: must be at least 1")
    selection = resolve(session, filters)
    order = sort or ("relevance" if selection.search else "date")
    found = search_sql.search(session, selection, order, limit)
    rows = search_sql.article_rows(session, [i for i, _ in found.rows])
    hits = []
    for article_id, score in found.rows:
        row = rows[article_id]
        text = row["text"] or ""
        if selection.search is not None:
            passage = snippet(text, selection.search, SNIPPET_WORDS, mark)
        else:
            words = text.split()
            passage = " ".join(words[:SNIPPET_WORDS]) + (" …" if len(words) > SNIPPET_WORDS else "")
        hits.append(
            Hit(
                id=article_id,
                title=row["title"],
                site=row["site"],
                language=row["language"],
                published=row["published"],
                seed=row["seed"],
                relevance=row["relevance"],
                url=row["url"],
                duplicate_of=row["duplicate_of"],
                score=round(score, 4) if score is not None else None,
                snippet=passage,
            )
        )
    return SearchResult(hits, found.total, found.total_exact, filters)
