"""Which site profile a URL belongs to. Profiles are read once per directory and cached."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from crawler.config import Config
from crawler.errors import ConfigError
from crawler.sites import SiteProfile, load_sites, site_for_url

log = logging.getLogger(__name__)

Sites = Mapping[str, SiteProfile] | Iterable[SiteProfile]


@lru_cache(maxsize=4)
def _load(directory: Path) -> tuple[SiteProfile, ...]:
    try:
        return tuple(load_sites(directory).values())
    except ConfigError as exc:
        # Extraction still works without profiles (the generic path); say so once.
        log.warning("site profiles not loaded, generic extraction only: %s", exc)
        return ()


def default_sites() -> tuple[SiteProfile, ...]:
    """The profiles in ``Config.from_env().sites_dir`` (cached per directory)."""
    return _load(Config.from_env().sites_dir.resolve())


def profile_for(url: str, sites: Sites | None = None) -> SiteProfile | None:
    """The profile owning the URL's host, the most specific domain first."""
    pool = default_sites() if sites is None else (
        tuple(sites.values()) if isinstance(sites, Mapping) else tuple(sites))
    # "www.15min.lt" before "15min.lt" if both were ever profiled: the longest domain wins.
    ranked = sorted(pool, key=lambda s: -max((len(d) for d in s.domains), default=0))
    return site_for_url(url, ranked)
