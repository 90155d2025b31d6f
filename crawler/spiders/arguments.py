"""The related spider's arguments (``-a`` strings or the CLI's values), parsed and checked.

Each bad value becomes one :class:`ConfigError` line, which the spider turns into a failed
run without a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from crawler.config import Config
from crawler.errors import ConfigError
from crawler.focus.frontier import BREADTH_FIRST, FOCUSED, FrontierPolicy
from crawler.seeds import Seed, load_seeds
from crawler.sites import SiteProfile, load_sites
from crawler.store.warc import check_writable, warc_dir_for


def frontier_policy(name: str, learning_weight: float = 0.0) -> FrontierPolicy:
    policies = {"focused": FOCUSED, "bfs": BREADTH_FIRST}
    if name not in policies:
        raise ConfigError(f"CRAWLER_FRONTIER must be one of {', '.join(policies)}, not {name!r}")
    if not 0.0 <= learning_weight <= 1.0:
        raise ConfigError(f"CRAWLER_LINK_LEARNING_WEIGHT must be within 0..1: {learning_weight}")
    return replace(policies[name], learned_weight=learning_weight)


def frontier_of(settings: BaseSettings) -> FrontierPolicy:
    return frontier_policy(
        settings.get("CRAWLER_FRONTIER"),
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
    return pages, depth, parse_since(since) if since else None


_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def parse_since(value: str) -> date:
    """The forms `crawler query --since` takes: YYYY-MM-DD, YYYY-MM, YYYY or an ISO time."""
    text = value.strip()
    found = _YEAR_MONTH.match(text)
    try:
        if found:
            return date(int(found[1]), int(found[2] or 1), 1)
        return datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise ConfigError(
            f"since must be a date like 2016-04-09 (or 2016-04, 2016, an ISO time), "
            f"not {value!r}"
        ) from exc


def check_capture_dir(settings: BaseSettings) -> None:
    """A WARC directory that cannot be written fails the run before anything is fetched."""
    if settings.getbool("CRAWLER_WARC_ENABLED"):
        database_url = settings.get("CRAWLER_DATABASE_URL") or ""
        check_writable(warc_dir_for(database_url, settings.get("CRAWLER_WARC_DIR")))


def check_combination(
    sites: Sequence[str], start_urls: Sequence[str], domains: Sequence[str]
) -> None:
    """Options that would otherwise be silently ignored."""
    if domains and not start_urls:
        raise ConfigError("allowed_domains (--allowed-domain) goes with start_urls (--start-url)")
    if sites and start_urls:
        raise ConfigError(
            "site (--site) and start_urls (--start-url) exclude each other: a start URL "
            "crawls a site that has no profile"
        )


def preflight(arguments: Mapping[str, Any], settings: BaseSettings) -> None:
    """The spider's checks of its arguments and settings, run before Scrapy starts (the CLI):
    a bad value is refused with one line and no run is recorded."""
    parse_limits(arguments.get("max_pages"), arguments.get("max_depth"), arguments.get("since"))
    sites, seeds, starts, domains = (
        split_arg(arguments.get(k)) for k in ("site", "seed", "start_urls", "allowed_domains")
    )
    seeds_dir = Path(settings.get("CRAWLER_SEEDS_DIR") or Config.from_env().seeds_dir)
    chosen = select_seeds(load_seeds(seeds_dir), seeds)
    choose_sites(load_sites(seeds_dir / "sites"), sites, chosen, starts, domains)
    frontier_of(settings)
    check_capture_dir(settings)


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


def choose_sites(
    all_sites: Mapping[str, SiteProfile],
    wanted: Sequence[str],
    seeds: Sequence[Seed],
    start_urls: Sequence[str],
    domains: Sequence[str],
) -> list[SiteProfile]:
    """The profiles to crawl: a generic one for start URLs, else the sites asked for."""
    from crawler.spiders.generic import generic_profile

    check_combination(wanted, start_urls, domains)
    if start_urls:
        return [generic_profile(list(start_urls), list(domains))]
    return select_sites(all_sites, wanted, seeds)
