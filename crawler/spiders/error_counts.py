"""Turning download failures into a counted kind and one clear line for the operator."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler import stat_keys

# Scrapy 2.14+ wraps Twisted's errors in its own; both are listed so either raises the same kind.
_KINDS: tuple[tuple[tuple[type[BaseException], ...], str, str], ...] = (
    (
        (scrapy_errors.CannotResolveHostError, net.DNSLookupError, net.NoRouteError),
        "dns",
        "cannot resolve host {host} (DNS lookup failed: no network?)",
    ),
    (
        (scrapy_errors.DownloadConnectionRefusedError, net.ConnectionRefusedError),
        "connection_refused",
        "host {host} refused the connection",
    ),
    (
        (scrapy_errors.DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError),
        "timeout",
        "host {host} did not answer in time",
    ),
    (
        (scrapy_errors.DownloadCancelledError,),  # DOWNLOAD_MAXSIZE reached while downloading
        "too_large",
        "a body from {host} exceeded DOWNLOAD_MAXSIZE: not downloaded",
    ),
    (
        (
            scrapy_errors.DownloadFailedError,
            scrapy_errors.ResponseDataLossError,
            ResponseFailed,
            ResponseNeverReceived,
            net.ConnectionLost,
        ),
        "connection_lost",
        "host {host} broke off the response",
    ),
)
NETWORK_KINDS = ("dns", "connection_refused", "timeout", "tls")


def classify_failure(failure: Failure) -> tuple[str, str, str]:
    """(kind, host, message) for a failed request; kind is a short stats key."""
    request = getattr(failure, "request", None)
    url = getattr(request, "url", "") or ""
    host = urlsplit(url).hostname or "?"
    error = failure.value
    if _decompression_bomb(error):
        return "too_large", host, f"{url} decompressed beyond DOWNLOAD_MAXSIZE: dropped"
    if isinstance(error, HttpError):
        status = error.response.status
        kind = "http_429" if status == 429 else f"http_{status // 100}xx"
        return kind, host, f"HTTP {status} from {url}"
    for exc_types, kind, template in _KINDS:
        if isinstance(error, exc_types):
            return kind, host, template.format(host=host)
    name = type(error).__name__
    if "TLS" in name or "SSL" in name:
        return "tls", host, f"TLS handshake with {host} failed"
    return "other", host, f"{name} while fetching {url}: {failure.getErrorMessage()}"


def _decompression_bomb(error: BaseException | None) -> bool:
    """HttpCompressionMiddleware's IgnoreRequest for a body that inflates past the limit (a
    gzip bomb): a size limit hit, like a large download, not a decision to skip."""
    cause = getattr(error, "__cause__", None)
    return isinstance(error, IgnoreRequest) and "MaxSizeExceeded" in type(cause).__name__


def count_error(stats: StatsCollector, kind: str, site: str | None = None) -> None:
    """One error of a kind on the run (``crawler/errors/<kind>``), and on its site's line of
    the run report (``crawler/sites/<site>/errors/<kind>``)."""
    stats.inc_value(stat_keys.ERRORS)
    stats.inc_value(stat_keys.error_key(kind))
    if site:
        stats.inc_value(stat_keys.site_error_key(site, kind))


def count_failure(stats: StatsCollector, failure: Failure) -> str | None:
    """Count a failed request by kind (and by site); its message, or None for a decision.

    A robots.txt refusal or an unresolvable host already counted is an ``IgnoreRequest``
    decided elsewhere, not an error; HTTP errors are ``IgnoreRequest`` too, but are counted.
    """
    decided = isinstance(failure.value, IgnoreRequest) and not isinstance(failure.value, HttpError)
    if decided and not _decompression_bomb(failure.value):  # a bomb is a size limit hit
        return None
    kind, host, message = classify_failure(failure)
    count_error(stats, kind, getattr(getattr(failure, "request", None), "meta", {}).get("site"))
    if kind in NETWORK_KINDS:
        stats.set_value(stat_keys.unreachable_key(host), message)
    return message


class _NoNetworkTracebacks(logging.Filter):
    """Scrapy's robots.txt middleware logs network failures with a traceback; the failure is
    an expected fact (counted and reported by host), so keep the line and drop the traceback."""

    _expected = tuple(t for types, _, _ in _KINDS for t in types)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self._expected):
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_network_tracebacks() -> None:
    logger = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if not any(isinstance(f, _NoNetworkTracebacks) for f in logger.filters):
        logger.addFilter(_NoNetworkTracebacks())
