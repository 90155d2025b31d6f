"""The related spider's arguments (``-a`` strings or the CLI's values), parsed and checked.

Each bad value becomes one :class:`ConfigError` line, which the spider turns into a failed
run without a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from scrapy.settings import BaseSettings

from crawler.errors import ConfigError
from crawler.focus.frontier import BREADTH_FIRST, FOCUSED, FrontierPolicy
from crawler.seeds import Seed
from crawler.sites import SiteProfile


def frontier_policy(name: str, learning_weight: float = 0.0) -> FrontierPolicy:
    policies = {"focused": FOCUSED, "bfs": BREADTH_FIRST}
    if name not in policies:
        raise ConfigError(f"CRAWLER_FRONTIER must be one of {', '.join(policies)}, not {name!r}")
    if not 0.0 <= learning_weight <= 1.0:
        raise ConfigError(f"CRAWLER_LINK_LEARNING_WEIGHT must be within 0..1: {learning_weight}")
    return replace(policies[name], learned_weight=learning_weight)


def frontier_of(settings: BaseSettings) -> FrontierPolicy:
    return frontier_policy(
        settings.get("CRAWLER_FRONTIER", "focused"),
        settings.getfloat("CRAWLER_LINK_LEARNING_WEIGHT"),
    )


def parse_limits(
    max_pages: str | int | None, max_depth: str | int | None, since: str | None
) -> tuple[int, int, date | None]:
    """The spider's numeric and date arguments, as given with -a (strings) or by the CLI."""
    try:
        pages = int(max_pages) if max_pages not in (None, "") else 0
        depth = int(max_depth) if max_depth not in (None, "") else 4
    except ValueError as exc:
        raise ConfigError(f"max_pages and max_depth must be whole numbers: {exc}") from exc
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise ConfigError(f"since must be a date like 2016-04-09, not {since!r}") from exc
    return pages, depth, day


def split_arg(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def select_seeds(all_seeds: Sequence[Seed], wanted: Sequence[str]) -> list[Seed]:
    """The seeds asked for (all when none is named)."""
    unknown = [s for s in wanted if s not in {x.id for x in all_seeds}]
    if unknown:
        raise ConfigError(f"unknown seed(s): {', '.join(unknown)}")
    return [s for s in all_seeds if not wanted or s.id in wanted]


def select_sites(
    all_sites: Mapping[str, SiteProfile], wanted: Sequence[str], seeds: Sequence[Seed]
) -> list[SiteProfile]:
    """The sites asked for, else the sites of the chosen seeds."""
    unknown = [s for s in wanted if s not in all_sites]
    if unknown:
        raise ConfigError(
            f"unknown site(s): {', '.join(unknown)}; known: {', '.join(sorted(all_sites))}"
        )
    keys = wanted or sorted({s.site for s in seeds if s.site in all_sites})
    return [all_sites[k] for k in keys]
