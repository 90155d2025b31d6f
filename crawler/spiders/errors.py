"""Turning download failures into a counted kind and one clear line for the operator."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

_KINDS: tuple[tuple[type[BaseException], str, str], ...] = (
    (net.DNSLookupError, "dns", "cannot resolve host {host} (DNS lookup failed: no network?)"),
    (net.ConnectionRefusedError, "connection_refused", "host {host} refused the connection"),
    (net.TimeoutError, "timeout", "host {host} did not answer in time"),
    (net.TCPTimedOutError, "timeout", "host {host} did not answer in time"),
    (net.NoRouteError, "dns", "no route to host {host} (network unreachable)"),
    (net.ConnectionLost, "connection_lost", "host {host} closed the connection"),
    (ResponseNeverReceived, "connection_lost", "host {host} sent no response"),
)


def classify_failure(failure: Failure) -> tuple[str, str, str]:
    """(kind, host, message) for a failed request; kind is a short stats key."""
    request = getattr(failure, "request", None)
    url = getattr(request, "url", "") or ""
    host = urlsplit(url).hostname or "?"
    if failure.check(HttpError):
        status = failure.value.response.status
        kind = "http_429" if status == 429 else f"http_{status // 100}xx"
        return kind, host, f"HTTP {status} from {url}"
    for exc_type, kind, template in _KINDS:
        if failure.check(exc_type):
            return kind, host, template.format(host=host)
    name = type(failure.value).__name__
    if "TLS" in name or "SSL" in name:
        return "tls", host, f"TLS handshake with {host} failed"
    return "other", host, f"{name} while fetching {url}: {failure.getErrorMessage()}"
