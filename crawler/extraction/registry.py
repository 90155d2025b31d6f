"""Per-site code, registered by domain with a decorator.

A site is data (``seeds/sites/<key>.toml``); code is for what data cannot say. Put it in
``crawler/extraction/sites/<key>.py``::

    @site_rules("dantri.com.vn")
    class Dantri(SiteRules):
        def finish(self, page, article): ...

Every module of that package is imported on first use, so adding a file is all it takes:
no central list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TypeVar

from crawler.extraction.dates import DateCandidate
from crawler.extraction.page import Page
from crawler.items import ExtractedArticle
from crawler.sites import host_of


class SiteRules:
    """The hooks a site may override. Each default does nothing."""

    #: CSS selectors read before pre-cleaning; :meth:`Page.select` then returns their values.
    remember: tuple[str, ...] = ()

    def preclean(self, page: Page) -> None:
        """Change ``page.tree`` before trafilatura sees it (after the profile's selectors)."""

    def date_candidates(self, page: Page) -> list[DateCandidate]:
        """Extra publication-time candidates (e.g. a date encoded in the URL)."""
        return []

    def finish(self, page: Page, article: ExtractedArticle) -> None:
        """Correct the finished article in place (e.g. a credit only the markup shows)."""


R = TypeVar("R", bound=type[SiteRules])
_REGISTRY: dict[str, SiteRules] = {}
_DEFAULT = SiteRules()
_loaded = False


def site_rules(*domains: str) -> Callable[[R], R]:
    """Class decorator: use an instance of the class for these domains and their subdomains."""
    def register(cls: R) -> R:
        for domain in domains:
            _REGISTRY[domain.lower()] = cls()
        return cls
    return register


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    from crawler.extraction import sites

    for info in pkgutil.iter_modules(sites.__path__):
        importlib.import_module(f"{sites.__name__}.{info.name}")
    _loaded = True


def rules_for(url: str) -> SiteRules:
    _load_all()
    host = host_of(url)  # "" (the generic rules) for a URL no parser reads
    while host:
        if host in _REGISTRY:
            return _REGISTRY[host]
        host = host.partition(".")[2]
    return _DEFAULT
