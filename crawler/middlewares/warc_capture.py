"""Raw captures on the crawl: every response and its request go to the WARC files.

The middleware sits next to the downloader, so it sees each response as the server sent it
(compressed body, redirects and errors included) before Scrapy's own middlewares decode or
follow it, and puts the response record's place (a :class:`crawler.items.Capture`) into the
request's meta, where the spider finds it on the response and puts it on the article's item
(``crawler/store/warc.py`` writes and reads the files).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler import stat_keys
from crawler.spiders.error_counts import count_error
from crawler.store.warc import WarcWriterFiles, warc_dir_for

logger = logging.getLogger(__name__)

META_KEY = "warc_capture"  # request.meta (and so response.meta): this response's Capture
# Scrapy has already removed the chunked framing from the body; a record claiming it would
# not parse back.
_DROPPED_HEADERS = {b"transfer-encoding"}


def _headers(raw: Any) -> list[tuple[str, str]]:
    out = []
    for name, values in raw.items():
        if name.lower() in _DROPPED_HEADERS:
            continue
        for value in values:
            out.append((name.decode("latin-1"), value.decode("latin-1")))
    return out


class WarcCaptureMiddleware:
    """Downloader middleware: every response and its request go to the WARC files."""

    def __init__(self, crawler: Crawler, files: WarcWriterFiles) -> None:
        self.crawler = crawler
        self.files = files
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("CRAWLER_WARC_ENABLED"):
            raise NotConfigured()  # off by design: CRAWLER_WARC_ENABLED is off
        directory = warc_dir_for(
            settings.get("CRAWLER_DATABASE_URL") or "", settings.get("CRAWLER_WARC_DIR")
        )
        max_size = settings.getint("CRAWLER_WARC_MAX_SIZE")
        return cls(crawler, WarcWriterFiles(directory, max_size=max_size))

    def process_response(self, request: Request, response: Response) -> Response:
        try:
            capture = self.files.write(
                response.url,
                (request.method, _headers(request.headers), request.body),
                (response.status, _headers(response.headers), response.body),
            )
        except OSError as exc:  # a full disk must not stop the crawl; the run counts it
            count_error(self.crawler.stats, "warc_write")
            logger.error("WARC write failed for %s: %s", response.url, exc)
            request.meta.pop(META_KEY, None)  # not a redirect's capture carried over
            return response
        request.meta[META_KEY] = capture
        self.crawler.stats.inc_value(stat_keys.WARC_RECORDS)
        return response

    def spider_closed(self, spider: Spider) -> None:
        self.files.close()
