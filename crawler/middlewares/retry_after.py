"""429 and 503 with Retry-After: wait as long as the server asks, then ask again.

Scrapy's RetryMiddleware retries a 429 at once, which a rate-limited server answers with
another 429 until the retries are spent and the page is lost. Here a Retry-After (seconds or an
HTTP date) of at most CRAWLER_RETRY_AFTER_MAX seconds is waited out, without blocking the
reactor, up to RETRY_TIMES times; a longer wait, or none given, is left to RetryMiddleware,
which counts the page as http_429 or http_5xx when it gives up. Waits are counted
(``crawler/retry_after/waits`` and ``…/seconds``), so the run report shows the throttling.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from crawler import stat_keys

_STATUSES = {429, 503}
META_KEY = "retry_after_times"


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now (RFC 9110 10.2.3); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    # Above RetryMiddleware (550): on the way back it sees the 429 first.

    def __init__(self, stats: StatsCollector, max_wait: float, max_times: int) -> None:
        self.stats = stats
        self.max_wait = max_wait
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        settings = crawler.settings
        max_wait = settings.getfloat("CRAWLER_RETRY_AFTER_MAX")
        if max_wait <= 0 or not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured()  # off by design: Retry-After is not honoured
        return cls(crawler.stats, max_wait, settings.getint("RETRY_TIMES"))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in _STATUSES or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        times = int(request.meta.get(META_KEY, 0))
        if wait is None or wait > self.max_wait or times >= self.max_times:
            if wait is not None:
                self.stats.inc_value(stat_keys.RETRY_AFTER_NOT_WAITED)
            return response
        self.stats.inc_value(stat_keys.RETRY_AFTER_WAITS)
        self.stats.inc_value(stat_keys.RETRY_AFTER_SECONDS, round(wait))
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, wait))
        retry = request.replace(dont_filter=True)
        retry.meta[META_KEY] = times + 1
        return retry
