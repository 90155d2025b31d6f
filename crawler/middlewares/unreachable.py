"""Stop asking a host whose name does not resolve.

Once a request to a host has failed DNS resolution after Scrapy's retries, every other
request queued for that host would fail the same way, slowly (timeouts and retries each).
They fail at once instead, counted as the same error kind (dns) as if they had been tried;
the run report names the host once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError

from crawler import stat_keys
from crawler.spiders.error_counts import count_error

_NO_SUCH_HOST = (CannotResolveHostError, DNSLookupError)


class SkipUnresolvableHostsMiddleware:
    # Below RetryMiddleware (550): on the way back it sees a failure only once retries are spent.

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.dead: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipUnresolvableHostsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if host in self.dead:
            count_error(self.stats, "dns", request.meta.get("site"))
            raise IgnoreRequest(f"host {host} does not resolve")

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if isinstance(exception, _NO_SUCH_HOST):
            host = urlsplit(request.url).hostname or ""
            self.dead.add(host)
            # Also when the failed request was robots.txt, which has no errback of ours.
            self.stats.set_value(
                stat_keys.unreachable_key(host),
                f"cannot resolve host {host} (DNS lookup failed: no network?)",
            )
