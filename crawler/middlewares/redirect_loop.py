"""A redirect that comes back to a URL already on its chain is a loop: counted, not followed.

Scrapy's RedirectMiddleware follows up to REDIRECT_MAX_TIMES hops, but a loop between two
URLs ends sooner and silently: the second visit to the first URL is dropped by the duplicate
filter like any repeated link, and the page is just missing from the run. Here the loop is
seen on the response that closes it, counted as the error kind ``redirect_loop`` (and a chain
longer than REDIRECT_MAX_TIMES as ``too_many_redirects``) and named in the log.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from w3lib.url import safe_url_string

from crawler.spiders.error_counts import count_error

logger = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}


class RedirectLoopMiddleware:
    # Above RedirectMiddleware (600): on the way back it sees the 3xx first.

    def __init__(self, stats: StatsCollector, max_times: int) -> None:
        self.stats = stats
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured()  # off by design: redirects are not followed
        return cls(crawler.stats, crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in _REDIRECTS or not location or request.meta.get("dont_redirect"):
            return response
        target = safe_url_string(response.urljoin(location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            loop = " -> ".join([*chain, target])
            self._give_up(request, "redirect_loop", f"redirect loop: {loop}")
        if len(chain) > self.max_times:
            message = f"more than {self.max_times} redirects from {chain[0]}"
            self._give_up(request, "too_many_redirects", message)
        return response

    def _give_up(self, request: Request, kind: str, message: str) -> None:
        count_error(self.stats, kind, request.meta.get("site"))
        logger.info("%s", message)
        raise IgnoreRequest(message)
