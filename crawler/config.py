"""Application configuration: one frozen object, read from the environment.

Every entry point (Scrapy settings, the CLI, Alembic's env.py, the scheduler) reads the
archive's location from here, so they cannot disagree.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///archive.db"
# Seconds extraction may spend on one page (CRAWLER_EXTRACT_TIMEOUT in a crawl). The slowest
# of the 181 ScrapingHub pages takes ≈ 50 ms, 2.5 MB of paragraphs ≈ 3 s: ten seconds stops
# only the truly pathological. Here, not in crawler/extraction/, so that the crawl's settings
# can name it without importing the extractors into the reactor's process.
EXTRACT_TIMEOUT = 10.0
# Defaults that code outside a crawl needs too (re-extraction, the schedule file, benchmarks):
# each is written here once and crawler/settings.py maps it to its CRAWLER_* setting.
RELEVANCE_THRESHOLD = 0.3  # CRAWLER_RELEVANCE_THRESHOLD (docs/relevance.md)
DEDUP_THRESHOLD = 0.5  # CRAWLER_DEDUP_THRESHOLD, measured by bench/dedup.py (docs/dedup.md)
WARC_MAX_SIZE = 1024**3  # CRAWLER_WARC_MAX_SIZE: bytes per WARC file before the next one starts
DRIFT_TOLERANCE = 0.3  # CRAWLER_DRIFT_TOLERANCE: absolute change of a share that flags a site
DRIFT_MIN_PAGES = 3  # CRAWLER_DRIFT_MIN_PAGES: article pages, this run and in the history
REVISIT_SCHEDULE = "1h,6h,24h,7d"  # CRAWLER_REVISIT_SCHEDULE (docs/scheduling.md)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_seeds_dir() -> Path:
    here = Path.cwd() / "seeds"
    if (here / "manifest.toml").is_file():
        return here
    return PROJECT_ROOT / "seeds"


@dataclass(frozen=True)
class Config:
    database_url: str
    seeds_dir: Path
    replay_dir: Path | None

    @property
    def sites_dir(self) -> Path:
        return self.seeds_dir / "sites"

    @classmethod
    def from_env(cls) -> Config:
        seeds = os.environ.get("CRAWLER_SEEDS_DIR")
        replay = os.environ.get("CRAWLER_REPLAY_DIR")
        return cls(
            database_url=os.environ.get("CRAWLER_DATABASE_URL") or DEFAULT_DATABASE_URL,
            seeds_dir=Path(seeds) if seeds else _default_seeds_dir(),
            replay_dir=Path(replay) if replay else None,
        )


def recorded_web_dir() -> Path:
    """The recorded web shipped with the project (used by `crawler demo` and the tests)."""
    return PROJECT_ROOT / "tests" / "web"


# A name an operator gives in a file (a scheduled job, a feed): safe in URLs, paths and logs.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def string_list(value: Any, where: str) -> tuple[str, ...]:
    """A string or a list of strings from a configuration file, as a tuple."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: must be a list of strings")
    return tuple(value)
