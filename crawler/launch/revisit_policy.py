"""The re-visit policy: when an archived article is fetched again, and when it is left alone.

News is edited in its first hours and corrected in its first days, rarely later. So an
article is checked again at fixed ages after it was first seen (by default 1 h, 6 h, 24 h and
7 days), then never: it is *due* when it has passed a checkpoint it has not been fetched at
since (``last_seen_at < first_seen_at + age <= now``). Independently of its age, a feed or
sitemap that dates it (pubDate, updated, lastmod) later than our last fetch makes it due at
once. Everything else the archive holds is skipped, and a re-visit is a conditional request
(crawler/middlewares/conditional.py), so an unchanged article costs a 304.

Pure functions plus :func:`due_articles`, the query behind the spider's re-visit start
requests (crawler/spiders/start_points.py, with the crawl's archive sessions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crawler.db import revisit_sql
from crawler.errors import ConfigError

logger = logging.getLogger(__name__)

META_KEY = "archived"  # request.meta: what the archive holds of the requested article

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")


def parse_duration(text: str | float) -> timedelta:
    """``90``, ``"90s"``, ``"15m"``, ``"6h"``, ``"7d"``, ``"2w"`` (a bare number is seconds)."""
    if isinstance(text, int | float):
        return timedelta(seconds=float(text))
    match = _DURATION.match(text)
    if not match:
        raise ConfigError(f"not a duration: {text!r} (write e.g. 90s, 15m, 6h, 7d)")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2] or "s"])


def parse_schedule(value: str | Sequence[str]) -> tuple[timedelta, ...]:
    """Checkpoint ages, ascending; ``""`` or ``"never"`` switches re-visits off."""
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [item.strip() for item in items if item.strip() and item.strip() != "never"]
    return tuple(sorted(parse_duration(item) for item in items))


def is_due(
    first_seen: datetime, last_seen: datetime, now: datetime, schedule: Sequence[timedelta]
) -> bool:
    return any(last_seen < first_seen + age <= now for age in schedule)


def listed_newer(listed_at: datetime | None, last_seen: datetime) -> bool:
    """A feed or sitemap dates the article after we last fetched it."""
    return listed_at is not None and listed_at > last_seen


def reason_to_fetch(
    known: revisit_sql.KnownArticle,
    listed_at: datetime | None,
    now: datetime,
    schedule: Sequence[timedelta],
) -> str | None:
    """Why an archived article should be fetched again (``listed`` or ``due``), or None."""
    if listed_newer(listed_at, known.last_seen_at):
        return "listed"
    if is_due(known.first_seen_at, known.last_seen_at, now, schedule):
        return "due"
    return None


def horizon(now: datetime, schedule: Sequence[timedelta]) -> datetime | None:
    """Articles first seen before this are not looked at (None: re-visits are off).

    Twice the last checkpoint's age: a checkpoint missed while no crawl ran (the 7-day one,
    say) is still honoured up to that long after it passed, then given up.
    """
    return now - 2 * max(schedule) if schedule else None


def request_meta(known: revisit_sql.KnownArticle) -> dict[str, Any]:
    """What a re-visit request carries: the conditional middleware sends If-Modified-Since
    from it and, on a 304, records that the article was seen unchanged."""
    return {
        "article_id": known.article_id,
        "version": known.version,
        "last_seen_at": known.last_seen_at.isoformat(),
    }


def due_articles(
    sessions: sessionmaker[Session],
    site_keys: Sequence[str],
    now: datetime,
    schedule: Sequence[timedelta],
    limit: int,
) -> list[revisit_sql.KnownArticle]:
    """The archived articles of these sites that the policy wants fetched now, newest first."""
    since = horizon(now, schedule)
    if since is None or not site_keys or limit <= 0:
        return []
    with sessions() as session:
        # Read a margin more than the limit: most recent articles are not due right now.
        candidates = revisit_sql.revisit_candidates(session, site_keys, since, limit * 20)
    due = [k for k in candidates if is_due(k.first_seen_at, k.last_seen_at, now, schedule)]
    return due[:limit]


def due_for_crawl(
    settings: Any, sessions: sessionmaker[Session], site_keys: Sequence[str]
) -> list[revisit_sql.KnownArticle]:
    """:func:`due_articles` as a crawl's settings configure it; [] unless CRAWLER_INCREMENTAL."""
    if not settings.getbool("CRAWLER_INCREMENTAL"):
        return []
    due = due_articles(
        sessions,
        site_keys,
        datetime.now(UTC),
        parse_schedule(settings.get("CRAWLER_REVISIT_SCHEDULE")),
        settings.getint("CRAWLER_REVISIT_MAX"),
    )
    if due:
        logger.info("re-visiting %d archived articles the policy says are due", len(due))
    return due
