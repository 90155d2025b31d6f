"""Extraction drift: does each site still extract as well as it did in its own recent history?

A site redesign rarely breaks a crawl: pages still download, only the title, the date or the
body stop coming out. So every run keeps, per site, a small tally of what extraction produced
(:class:`SiteTally`), stores it with the run, and :func:`check` compares it with the same
site's previous runs. A site is flagged when a share falls (or the share of article pages
without an article rises) by more than the tolerance, or when the median body shrinks below
half of what it was. Pure functions: no Scrapy, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from crawler.config import DRIFT_MIN_PAGES, DRIFT_TOLERANCE

MIN_BODY = 500  # characters: less is a lead or a caption (200-300), not an article body
HISTORY_RUNS = 10  # previous runs per site pooled into its baseline


@dataclass
class SiteTally:
    """What extraction produced for one site during one run."""

    articles: int = 0  # article pages that yielded an article
    no_article: int = 0  # article pages that yielded none
    fallback: int = 0  # articles whose profile lost to the general extraction
    title: int = 0
    date: int = 0
    body: int = 0
    body_lengths: list[int] = field(default_factory=list)

    def add_article(self, title: str | None, has_date: bool, text: str) -> None:
        self.articles += 1
        self.title += bool(title and title.strip())
        self.date += has_date
        self.body += len(text) >= MIN_BODY
        self.body_lengths.append(len(text))

    def quality(self) -> dict[str, int]:
        """Counts (not shares), so that runs can be pooled into a baseline."""
        return {
            "articles": self.articles,
            "no_article": self.no_article,
            "fallback": self.fallback,
            "title": self.title,
            "date": self.date,
            "body": self.body,
            "median_body": int(median(self.body_lengths)) if self.body_lengths else 0,
        }


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _baseline(history: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    pooled = {k: 0.0 for k in ("articles", "no_article", "fallback", "title", "date", "body")}
    medians = []
    for quality in history[:HISTORY_RUNS]:
        for key in pooled:
            pooled[key] += float(quality.get(key, 0))
        if quality.get("articles"):
            medians.append(float(quality.get("median_body", 0)))
    pooled["median_body"] = median(medians) if medians else 0.0
    return pooled


@dataclass(frozen=True)
class Flag:
    site: str
    metric: str  # title | date | body | no_article | fallback | median_body
    before: float
    now: float

    def message(self) -> str:
        if self.metric == "median_body":
            return (
                f"{self.site}: median body length fell from {self.before:.0f} "
                f"to {self.now:.0f} characters"
            )
        what = {
            "title": "articles with a title",
            "date": "articles with a date",
            "body": "articles with a body",
            "no_article": "article pages that yield no article",
            "fallback": "articles where the site profile lost to plain extraction",
        }[self.metric]
        return f"{self.site}: {what} {self.before:.0%} -> {self.now:.0%}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "metric": self.metric,
            "before": round(self.before, 3),
            "now": round(self.now, 3),
            "message": self.message(),
        }


def check(
    site: str,
    current: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    *,
    tolerance: float = DRIFT_TOLERANCE,
    min_pages: int = DRIFT_MIN_PAGES,
) -> list[Flag]:
    """Flags for one site: its quality this run against its previous runs (newest first)."""
    base = _baseline(history)
    pages_now = current.get("articles", 0) + current.get("no_article", 0)
    pages_before = base["articles"] + base["no_article"]
    if pages_now < min_pages or pages_before < min_pages:
        return []  # too little to tell a redesign from chance
    flags = []
    empty_now = _share(current.get("no_article", 0), pages_now) or 0.0
    empty_before = _share(base["no_article"], pages_before) or 0.0
    if empty_now - empty_before >= tolerance:
        flags.append(Flag(site, "no_article", empty_before, empty_now))
    if current.get("articles", 0) >= min_pages and base["articles"] >= min_pages:
        fell_now = _share(current.get("fallback", 0), current["articles"]) or 0.0
        fell_before = _share(base["fallback"], base["articles"]) or 0.0
        if fell_now - fell_before >= tolerance:  # the profile went stale before the site broke
            flags.append(Flag(site, "fallback", fell_before, fell_now))
        for metric in ("title", "date", "body"):
            now = _share(current.get(metric, 0), current["articles"]) or 0.0
            before = _share(base[metric], base["articles"]) or 0.0
            if before - now >= tolerance:
                flags.append(Flag(site, metric, before, now))
        if current.get("median_body", 0) < 0.5 * base["median_body"]:
            flags.append(
                Flag(site, "median_body", base["median_body"], current.get("median_body", 0))
            )
    return flags


def check_run(
    site_stats: Mapping[str, Mapping[str, Any]],
    history: Sequence[Mapping[str, Mapping[str, Any]]],
    *,
    tolerance: float = DRIFT_TOLERANCE,
    min_pages: int = DRIFT_MIN_PAGES,
) -> list[Flag]:
    """Flags for every site of a run; ``history`` holds previous runs' per-site stats."""
    flags = []
    for site, stats in sorted(site_stats.items()):
        quality = stats.get("quality")
        if not quality:
            continue
        past = [run[site]["quality"] for run in history if run.get(site, {}).get("quality")]
        flags.extend(check(site, quality, past, tolerance=tolerance, min_pages=min_pages))
    return flags
