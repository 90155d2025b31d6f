"""Atom feeds of newly archived related articles: one per seed, one per named query.

The operator names queries in a ``[feeds]`` table of the schedule file (schedule.example.toml);
``crawler export --format atom`` writes a feed and ``crawler serve`` serves them
(``/-/feeds/seed/<seed>.atom``, ``/-/feeds/<name>.atom``). feedgen writes the XML.

An entry is an article, not a version: its id is the article's URL key (stable across
re-crawls and archives; the entry links to its canonical URL), and ``updated`` is when its
current version was first archived, so a re-crawl that finds the same text changes nothing
and a new version updates the entry in place. Entries come newest first, the feed's own
``updated`` is its newest entry's: the same archive gives the same feed, byte for byte.
See docs/feeds.md.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from sqlalchemy.engine import RowMapping

from crawler.config import NAME, string_list
from crawler.db import export_sql
from crawler.errors import ConfigError, ExportError
from crawler.read.archive_access import archive_session
from crawler.read.query import Filters, resolve, seed_titles

ENTRIES = 50  # a feed reader polls often: the newest are what it needs
SUMMARY_CHARS = 400
_KEYS = {"title", "query", "sites", "seeds", "lang", "min_relevance"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedSpec:
    name: str  # "seed-002" or the [feeds] table's key
    title: str
    filters: Filters


def seed_feed(seed: str) -> FeedSpec:
    title = seed_titles().get(seed)
    label = f"seed {seed}: {title}" if title else f"seed {seed}"
    return FeedSpec(f"seed-{seed}", f"Related to {label}", Filters(seeds=(seed,)))


def parse_feeds(table: Any, where: str) -> dict[str, FeedSpec]:
    """The ``[feeds]`` table: ``[feeds.<name>]`` with a ``query`` and optional filters."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: feeds must be a table of [feeds.<name>] tables")
    feeds = {}
    for name, entry in table.items():
        here = f"{where}.{name}"
        if not NAME.match(name) or not isinstance(entry, dict):
            raise ConfigError(f"{here}: names are letters, digits, '.', '_', '-'")
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise ConfigError(f"{here}: unknown key(s) {', '.join(unknown)}")
        query = entry.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ConfigError(f"{here}.query: the search, as `crawler query` takes it")
        relevance = entry.get("min_relevance")
        if relevance is not None and (isinstance(relevance, bool)
                                      or not isinstance(relevance, int | float)):
            raise ConfigError(f"{here}.min_relevance: must be a number")
        if relevance is not None and not 0 <= relevance <= 1:  # a relevance score's range
            raise ConfigError(f"{here}.min_relevance: must be between 0 and 1, not {relevance}")
        filters = Filters(
            text=query,
            sites=string_list(entry.get("sites", []), f"{here}.sites"),
            seeds=string_list(entry.get("seeds", []), f"{here}.seeds"),
            languages=string_list(entry.get("lang", []), f"{here}.lang"),
            min_relevance=float(relevance) if relevance is not None else None,
        )
        title = entry.get("title", query)
        feeds[name] = FeedSpec(name, str(title), filters)
    return feeds


def load_feeds(path: Path) -> dict[str, FeedSpec]:
    """The named feeds of a schedule file (none when it has no ``[feeds]`` table)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no schedule file at {path}: its [feeds] table names the feeds"
                          ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it: {exc}") from None
    return parse_feeds(data.get("feeds", {}), f"{path}: feeds")


def named_feed(path: Path, name: str) -> FeedSpec:
    feeds = load_feeds(path)
    if name not in feeds:
        known = ", ".join(sorted(feeds)) or "none"
        raise ConfigError(f"{path}: no feed named {name!r} (feeds: {known})")
    return feeds[name]


def _summary(row: RowMapping) -> str:
    text = (row["description"] or "").strip() or " ".join(str(row["text"]).split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


def atom(rows: list[RowMapping], spec: FeedSpec, self_url: str | None = None) -> bytes:
    """The Atom document of these entries (newest first)."""
    feed = FeedGenerator()
    feed.id(f"urn:news-crawler:feed:{spec.name}")
    feed.title(spec.title)
    feed.author(name="news-crawler")
    feed.generator("news-crawler")
    feed.updated(max((r["updated"] for r in rows), default=_EPOCH))
    if self_url:
        feed.link(href=self_url, rel="self")
    for row in rows:
        entry = feed.add_entry(order="append")
        entry.id(row["url_key"])
        entry.title(row["title"] or row["canonical_url"])
        entry.link(href=row["canonical_url"], rel="alternate")
        entry.updated(row["updated"])
        entry.published(row["published"] or row["first_seen"])
        entry.summary(_summary(row))
        for person in filter(None, (row["authors"] or "").split("; ")):
            entry.author(name=person)
        for term in filter(None, (row["site"], row["seed"] and f"seed-{row['seed']}")):
            entry.category(term=term)
    return bytes(feed.atom_str(pretty=True))


def feed_bytes(database_url: str, spec: FeedSpec, *, limit: int = ENTRIES,
               self_url: str | None = None) -> tuple[bytes, int]:
    """A feed of the archive and its number of entries."""
    with archive_session(database_url) as session:
        rows = export_sql.feed_entries(session, resolve(session, spec.filters), limit)
    return atom(rows, spec, self_url), len(rows)


def spec_for(filters: Filters, feed: FeedSpec | None) -> FeedSpec:
    """What `crawler export --format atom` writes: a named feed, a seed's, or the selection."""
    if feed is not None:
        return feed
    if len(filters.seeds) == 1:
        return replace(seed_feed(filters.seeds[0]), filters=filters)
    return FeedSpec("export", "Archived articles", filters)


def write_feed(database_url: str, filters: Filters, output: Path | None, *,
               limit: int | None = None, feed: FeedSpec | None = None) -> int:
    """`crawler export --format atom`: the feed to ``output`` (stdout when None); entries."""
    document, n = feed_bytes(database_url, spec_for(filters, feed), limit=limit or ENTRIES)
    if output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return n
    try:
        output.write_bytes(document)
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from exc
    return n
