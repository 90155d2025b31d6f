"""Extraction off the reactor: pages are extracted and scored in worker processes.

A crawl on one machine is bound by the CPU cost of extraction, so it runs in a pool of
``CRAWLER_EXTRACT_WORKERS`` processes (default: the cores) while the reactor thread fetches,
follows links and writes. Relevance is scored in the worker too: it needs the extracted text,
and shipping the text back twice would cost more than the score.

A page that makes lxml or trafilatura spin is stopped for sure: past ``CRAWLER_EXTRACT_TIMEOUT``
its worker is killed and replaced (pebble), which no thread can do. A worker that dies (a
crash, the kernel's OOM killer) costs its page only. ``CRAWLER_EXTRACT_WORKERS=0`` runs
everything in the crawl's own process, under the thread-based time limit, for debugging.

Workers start from a fork server that has imported extraction and loaded the language model
once, so the workers share those pages of memory.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from pebble import ProcessExpired, ProcessPool

from crawler.config import EXTRACT_TIMEOUT
from crawler.errors import ConfigError
from crawler.extraction.link_reader import PageLinks, page_links_of
from crawler.focus.relevance import Relevance, RelevanceModel
from crawler.items import ExtractedArticle
from crawler.seeds import Seed
from crawler.sites import SiteProfile

# Imported once by the fork server, so that every worker starts warm and shares them.
_PRELOAD = ["crawler.extraction_pool.pool", "crawler.extraction_pool.warm_worker"]


@dataclass(frozen=True)
class FetchedPage:
    """What a worker needs of a response: the bytes as sent, and how they were labelled."""

    body: bytes
    url: str
    site: SiteProfile  # a generic profile takes the generic extraction path
    content_type: str | None = None


@dataclass(frozen=True)
class PageResult:
    article: ExtractedArticle | None
    links: PageLinks = field(default_factory=PageLinks)
    relevance: Relevance | None = None
    fallback: str | None = None  # why the profile's result gave way to the general one
    no_article: str | None = None  # why there is no article ("no page", "too little text" …)
    error: str | None = None  # extraction_timeout | extraction_crashed | extraction_failed


_model: RelevanceModel | None = None


def _init_worker(seeds: list[Seed]) -> None:
    global _model
    _model = RelevanceModel.from_seeds(seeds)


def process_page(
    page: FetchedPage, timeout: float | None = None, model: RelevanceModel | None = None
) -> PageResult:
    """Extract, score and read the links of one page (in a worker, with the worker's model;
    or inline, with ``timeout`` and the crawl's ``model``): the reactor's process never parses
    a page."""
    # Imported here: with workers, the crawl's own process never loads extraction's models.
    from crawler.extraction import extract_with_report, parse_page
    from crawler.extraction.decode import decode_html, looks_binary

    html = decode_html(page.body, page.content_type)  # once, for extraction and links alike
    if looks_binary(html):
        return PageResult(None, no_article="no page")
    # Parsed once: the links are read from the intact tree, then extraction takes it over.
    tree = parse_page(html)
    parsed = html if tree is None else tree  # no document: both read the text as it is
    links = page_links_of(parsed, page.site)
    site = None if page.site.is_generic else page.site
    found = extract_with_report(parsed, page.url, site, timeout=timeout)
    article = found.article
    scorer = model or _model
    relevance = None
    if article is not None and scorer is not None:
        relevance = scorer.score(article.text, article.title, article.language)
    return PageResult(article, links, relevance, found.fallback, found.no_article)


class ExtractionPool:
    """Pages in, :class:`PageResult` out, awaited without blocking the reactor."""

    def __init__(
        self,
        seeds: list[Seed],
        workers: int,
        timeout: float = EXTRACT_TIMEOUT,  # a test's pool; a crawl's has its setting
        model: RelevanceModel | None = None,
    ):
        self.workers, self.timeout = workers, timeout
        self.waiting = 0  # pages handed in and not returned yet (crawler/extraction_pool/pacing.py)
        self._pool: ProcessPool | None = None
        self.model = model  # the inline path scores with the crawl's own model
        if workers > 0:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPool(
                max_workers=workers, context=context, initializer=_init_worker,
                initargs=(seeds,),
            )  # fmt: skip
        elif model is None:
            self.model = RelevanceModel.from_seeds(seeds)

    @classmethod
    def from_settings(
        cls, settings: Any, seeds: list[Seed], model: RelevanceModel | None = None
    ) -> ExtractionPool:
        workers = settings.get("CRAWLER_EXTRACT_WORKERS")
        try:
            count = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
        except ValueError:  # the spider reports a ConfigError as one line and a failed run
            raise ConfigError(
                f"CRAWLER_EXTRACT_WORKERS must be a number of processes, not {workers!r}"
            ) from None
        timeout = settings.getfloat("CRAWLER_EXTRACT_TIMEOUT")
        return cls(seeds, max(0, count), timeout, model)

    async def run(self, page: FetchedPage) -> PageResult:
        if self._pool is None:
            from crawler.extraction import ExtractionTimeout

            try:
                return process_page(page, self.timeout, self.model)
            except ExtractionTimeout:
                return PageResult(None, error="extraction_timeout")
        future: Future[PageResult] = self._pool.schedule(
            process_page, args=(page,), timeout=self.timeout
        )
        self.waiting += 1
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout:  # the worker was killed and is being replaced
            return PageResult(None, error="extraction_timeout")
        except ProcessExpired:
            return PageResult(None, error="extraction_crashed")
        except Exception:  # an extractor bug on one odd page must not end the crawl
            return PageResult(None, error="extraction_failed")
        finally:
            self.waiting -= 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()  # type: ignore[no-untyped-call]
            self._pool.join(timeout=10)
            self._pool = None
