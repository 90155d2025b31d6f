"""The recorded web, logging when each request arrived (for the politeness test)."""

from __future__ import annotations

import time

from scrapy import Request
from scrapy.http import Response

from crawler.recorded_web.replay import ReplayDownloadHandler


class TimedReplayHandler(ReplayDownloadHandler):
    """Writes "<unix time> <status> <url>" to CRAWLER_REPLAY_LOG for every request."""

    async def download_request(self, request: Request) -> Response:
        arrived = time.time()
        log, self.log = self.log, None  # the parent's own line would lack the time
        try:
            response = await super().download_request(request)
        finally:
            self.log = log
        if self.log is not None:
            self.log.write(f"{arrived:.4f} {response.status} {request.url}\n")
            self.log.flush()
        return response
