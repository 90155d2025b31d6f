"""Spider middleware: a re-crawl does not fetch again what the archive holds, unless the
re-visit policy (crawler/launch/revisit_policy.py) asks for it.

Every request the spider yields (start requests included) whose URL the archive knows as an
article is dropped, counted as ``skipped_known``, unless a feed or sitemap dates it after our
last fetch or it is due for a re-visit; then it goes out carrying what the archive holds
(``request.meta["archived"]``) for the conditional-request middleware. Requests are looked up
one callback's output at a time, in one query.

It also marks a response whose links were all followed (``meta["links_followed"]``: the page
budget was not exhausted while its links were queued); only such a listing page's validators
are kept for the next run, so a 304 never hides links a budget-cut run did not follow.
On with CRAWLER_INCREMENTAL (the scheduler sets it); NotConfigured otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler import stat_keys
from crawler.db import revisit_sql
from crawler.extensions.archive_connection import ArchiveConnection
from crawler.launch import revisit_policy
from crawler.middlewares import incremental_archive_url
from crawler.store.urls import normalize_url

logger = logging.getLogger(__name__)

FOLLOWED_KEY = "links_followed"


def _listed_at(request: Request) -> datetime | None:
    """The date a feed or sitemap gave the linked page (set by the spider)."""
    listed = request.meta.get("listed_date")
    return listed[0] if isinstance(listed, tuple) and isinstance(listed[0], datetime) else None


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, connection: ArchiveConnection, schedule: str) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.schedule = revisit_policy.parse_schedule(schedule)
        self.sessions = connection.sessions

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        incremental_archive_url(settings)
        connection = crawler.get_extension(ArchiveConnection)
        if connection is None:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(crawler, connection, settings.get("CRAWLER_REVISIT_SCHEDULE"))

    # --- Scrapy's hooks --------------------------------------------------------------------
    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        for output in self.filter([o async for o in start]):
            yield output

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        outputs = self.filter(list(result))
        self._mark_followed(response)
        yield from outputs

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        outputs = self.filter([o async for o in result])
        self._mark_followed(response)
        for output in outputs:
            yield output

    def _mark_followed(self, response: Response | None) -> None:
        # The spider's budget, asked directly: a page whose links it refused is not followed.
        budget = getattr(self.crawler.spider, "budget", None)
        if response is not None and not getattr(budget, "exhausted", False):
            response.meta[FOLLOWED_KEY] = True

    # --- the decision ----------------------------------------------------------------------
    def filter(self, outputs: list[Any]) -> list[Any]:
        """The outputs minus the requests for archived articles the policy leaves alone."""
        requests = [
            o
            for o in outputs
            if isinstance(o, Request)
            and o.meta.get("site")
            and revisit_policy.META_KEY not in o.meta
        ]
        if not requests:
            return outputs
        urls = {r.url: normalize_url(r.url) for r in requests}
        with self.sessions() as session:
            known = revisit_sql.known_articles(session, [*urls, *urls.values()])
        if not known:
            return outputs
        now = datetime.now(UTC)
        kept = []
        for output in outputs:
            article = None
            if isinstance(output, Request) and output.url in urls:
                article = known.get(output.url) or known.get(urls[output.url])
            if article is None:
                kept.append(output)
                continue
            site = output.meta["site"]
            reason = revisit_policy.reason_to_fetch(article, _listed_at(output), now, self.schedule)
            if reason is None:
                self.stats.inc_value(stat_keys.INCREMENTAL_SKIPPED_KNOWN)
                self.stats.inc_value(stat_keys.site_key(site, "skipped_known"))
                logger.debug("archived, not due: %s", output.url)
                continue
            output.meta[revisit_policy.META_KEY] = revisit_policy.request_meta(article)
            self.stats.inc_value(stat_keys.revisit_key(reason))
            self.stats.inc_value(stat_keys.site_key(site, "revisited"))
            kept.append(output)
        return kept
