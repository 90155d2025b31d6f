"""Replay a recorded web to Scrapy: a download handler for http and https.

Only the lowest layer is replaced: robots.txt, redirects, retries, status handling,
compression, the offsite filter and every other middleware run exactly as on a live crawl.
The layout of the recorded web is documented in docs/recorded-web.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

MANIFEST = "_replay.toml"
_CONTENT_TYPES = {
    ".htm": "text/html",
    ".html": "text/html",
    ".rss": "application/rss+xml",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
_NOT_FOUND = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1></body></html>"
)


def install(settings: BaseSettings) -> None:
    """Serve the crawl from the recorded web (``CRAWLER_REPLAY_DIR``) instead of the network."""
    handler = "crawler.recorded_web.replay.ReplayDownloadHandler"
    settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, "spider")
    # Files need no politeness: replayed crawls run at full speed.
    settings.set("AUTOTHROTTLE_ENABLED", False, "spider")
    settings.set("DOWNLOAD_DELAY", 0, "spider")


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class RecordedWeb:
    """Answers URLs from a directory of recorded pages (no Scrapy involved; testable alone)."""

    root: Path
    _manifests: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def _manifest(self, host: str) -> dict[str, dict[str, Any]]:
        if host not in self._manifests:
            path = self.root / host / MANIFEST
            entries: dict[str, dict[str, Any]] = {}
            if path.is_file():
                for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("response", []):
                    entries[entry["url"]] = entry
            self._manifests[host] = entries
        return self._manifests[host]

    def file_for(self, url: str) -> Path | None:
        """The file a URL maps to by its path alone (query strings need a manifest entry)."""
        parts = urlsplit(url)
        if parts.query:
            return None
        path = unquote(parts.path) or "/"
        if path.endswith("/"):
            path += "index.html"
        relative = PurePosixPath(path.lstrip("/"))
        if ".." in relative.parts or (relative.parts and relative.parts[0].startswith("_")):
            return None
        candidate = self.root / (parts.hostname or "") / relative
        return candidate if candidate.is_file() else None

    def get(self, url: str) -> Recorded:
        host = (urlsplit(url).hostname or "").lower()
        entry = self._manifest(host).get(url)
        if entry is not None:
            return self._from_entry(url, host, entry)
        path = self.file_for(url)
        if path is None:
            return Recorded(404, {"Content-Type": "text/html; charset=utf-8"}, _NOT_FOUND)
        body = path.read_bytes()
        return Recorded(200, {"Content-Type": _content_type(path, body)}, body)

    def _from_entry(self, url: str, host: str, entry: dict[str, Any]) -> Recorded:
        headers = {str(k): str(v) for k, v in entry.get("headers", {}).items()}
        if "Location" in headers:
            headers["Location"] = urljoin(url, headers["Location"])
        body = b""
        if "body" in entry:
            body = str(entry["body"]).encode("utf-8")
        elif "file" in entry:
            path = self.root / host / entry["file"]
            body = path.read_bytes()
            headers.setdefault("Content-Type", _content_type(path, body))
        elif (path_for_url := self.file_for(url)) is not None:
            body = path_for_url.read_bytes()
            headers.setdefault("Content-Type", _content_type(path_for_url, body))
        return Recorded(int(entry.get("status", 200)), headers, body)


def _content_type(path: Path, body: bytes) -> str:
    known = _CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    # Extension-less URLs (15min.lt articles, "/rss"): a server knows what it sends; sniff.
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"<?xml") or head.startswith(b"<rss"):
        return "application/xml"
    return "application/octet-stream"


class ReplayDownloadHandler(BaseDownloadHandler):
    """Serves http(s) requests from ``CRAWLER_REPLAY_DIR``; off (NotConfigured) without it."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        root = crawler.settings.get("CRAWLER_REPLAY_DIR")
        if not root:
            raise NotConfigured()  # off by design: CRAWLER_REPLAY_DIR is not set
        self.web = RecordedWeb(Path(root))
        # CRAWLER_REPLAY_LOG: one "status url" line per request, so tests can check what a
        # crawl asked for (robots.txt rules, allowed domains, conditional requests).
        log = crawler.settings.get("CRAWLER_REPLAY_LOG")
        self.log = open(log, "a", encoding="utf-8") if log else None  # noqa: SIM115

    async def download_request(self, request: Request) -> Response:
        recorded = self.web.get(request.url)
        if self.log is not None:
            self.log.write(f"{recorded.status} {request.url}\n")
            self.log.flush()
        headers = Headers(recorded.headers)
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=recorded.body)
        return respcls(
            url=request.url,
            status=recorded.status,
            headers=headers,
            body=recorded.body,
            request=request,
            protocol="HTTP/1.1",
        )

    async def close(self) -> None:
        if self.log is not None:
            self.log.close()
