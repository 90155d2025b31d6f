"""A generated web served on 127.0.0.1 over real sockets, as an HTTP proxy serves it.

The pages keep their sites' real URLs: a crawl sends ``GET http://dantri.com.vn/…`` to this
server as to any forward proxy (``http_proxy``), so host names, site profiles and offsite
rules are those of a live crawl, while every byte travels through a real TCP socket. The
pages are read into memory first, so the disk does not pace the crawl. The server counts the
requests it answered (the benchmarks sample memory against that count).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from crawler.recorded_web.replay import RecordedWeb


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, web: RecordedWeb) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.web = web
        self.cache: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.served = 0
        self.lock = threading.Lock()

    def answer(self, url: str) -> tuple[int, dict[str, str], bytes]:
        found = self.cache.get(url)
        if found is None:
            recorded = self.web.get(url)
            found = (recorded.status, recorded.headers, recorded.body)
            self.cache[url] = found
        with self.lock:
            self.served += 1
        return found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers
    server: _Server

    def do_GET(self) -> None:
        url = self.path
        if not urlsplit(url).scheme:  # asked directly, not as a proxy
            url = f"http://{self.headers.get('Host', '')}{self.path}"
        status, headers, body = self.server.answer(url)
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def preload(server: _Server, root: Path) -> int:
    """Read every file of the web into the cache; returns the number of pages."""
    count = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith("_"):
            host, *rest = path.relative_to(root).parts
            url = f"http://{host}/{'/'.join(rest)}"
            server.answer(url)
            count += 1
    server.served = 0
    return count


@contextmanager
def serve(root: Path) -> Iterator[_Server]:
    """Serve ``root`` (``<host>/<path>`` files) on 127.0.0.1; yields the running server."""
    server = _Server(RecordedWeb(root))
    preload(server, root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def proxy_url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"
