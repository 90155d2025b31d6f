"""``crawler stats``: what the archive holds, and each seed's story over time.

Counts per site, language, seed and week, the relevance histogram and the last crawl runs,
for every article or for a filtered selection (the filters of ``crawler query``). The
timeline (related articles per week per site, for each seed) is drawn by
:mod:`crawler.read.timeline`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from crawler.db import report_sql, run_sql
from crawler.read.archive_access import archive_session
from crawler.read.query import Filters, resolve, seed_titles

HISTOGRAM_BINS = 10
RUNS_SHOWN = 10


@dataclass(frozen=True)
class Run:
    id: int
    trigger: str
    status: str
    started: datetime
    finished: datetime | None
    pages: int
    new: int
    updated: int
    duplicate: int
    errors: int


@dataclass
class StatsReport:
    total: int  # the articles counted (originals only unless include_duplicates)
    per_site: list[tuple[str, int]]
    per_language: list[tuple[str | None, int]]
    per_seed: list[tuple[str | None, int]]
    per_week: list[tuple[str, int]]  # Monday of the week (YYYY-MM-DD), oldest first
    relevance: list[int]  # articles per bin of width 1/HISTOGRAM_BINS
    runs: list[Run]
    # seed -> site -> week -> related articles
    timeline: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    seed_titles: dict[str, str] = field(default_factory=dict)
    # Every archived article under the same filters, near-duplicates too: what the demo's
    # totals and Datasette's v_articles count.
    archived: int = 0

    def as_dict(self) -> dict[str, Any]:
        width = 1 / HISTOGRAM_BINS
        return {
            "total": self.total,
            "archived": self.archived,
            "per_site": dict(self.per_site),
            "per_language": {k or "unknown": n for k, n in self.per_language},
            "per_seed": {k or "none": n for k, n in self.per_seed},
            "per_week": dict(self.per_week),
            "relevance_histogram": [
                {"from": round(i * width, 2), "to": round((i + 1) * width, 2), "articles": n}
                for i, n in enumerate(self.relevance)
            ],
            "runs": [
                {**r.__dict__, "started": r.started.isoformat(),
                 "finished": r.finished.isoformat() if r.finished else None}
                for r in self.runs
            ],
            "timeline": self.timeline,
            "seed_titles": self.seed_titles,
        }


def stats(database_url: str, filters: Filters | None = None) -> StatsReport:
    with archive_session(database_url) as session:
        sel = resolve(session, filters or Filters())
        everything = resolve(session, replace(filters or Filters(), include_duplicates=True))
        archived = sum(n for _, n in report_sql.counts_by(session, everything, "site"))
        per_site = report_sql.counts_by(session, sel, "site")
        timeline: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        for seed, site, week, n in report_sql.weekly(session, sel):
            timeline[seed][site][week] = n
        runs = [
            Run(r.id, r.trigger, r.status, r.started_at, r.finished_at, r.pages_fetched,
                r.articles_new, r.articles_updated, r.articles_duplicate, r.errors)
            for r in run_sql.recent_runs(session, RUNS_SHOWN)
        ]
        weeks = [(w, n) for w, n in report_sql.counts_by(session, sel, "published_week") if w]
        report = StatsReport(
            total=sum(n for _, n in per_site),
            per_site=per_site,
            per_language=report_sql.counts_by(session, sel, "language"),
            per_seed=report_sql.counts_by(session, sel, "seed"),
            per_week=sorted(weeks),
            relevance=report_sql.relevance_histogram(session, sel, HISTOGRAM_BINS),
            runs=runs,
            archived=archived,
            timeline={seed: {s: dict(w) for s, w in sites.items()}
                      for seed, sites in sorted(timeline.items())},
        )
    titles = seed_titles()
    report.seed_titles = {s: titles[s] for s in report.timeline if s in titles}
    return report
