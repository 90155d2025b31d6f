"""Keep the crawl off private, loopback and link-local addresses.

A page can link or redirect anywhere, and a public name can resolve to 127.0.0.1, 10.x or the
cloud metadata address 169.254.169.254: a crawler that follows would probe the network it runs
in. Every request (start pages, links, robots.txt, each hop of a redirect, which Scrapy
schedules as a new request) is checked before download: an IP literal as written, a name by
the address Scrapy's own caching resolver gives, so the address checked is the address the
download then connects to. A refused request is counted as the error kind
``private_network`` and named in the run report.

``CRAWLER_ALLOW_PRIVATE_NETWORKS``: ``true`` switches the check off (tests on 127.0.0.1, an
intranet archive); a comma-separated list of networks (``127.0.0.0/8,10.1.0.0/16``) allows
those only. The recorded web (``CRAWLER_REPLAY_DIR``) needs no exception: its download handler
reads files, nothing leaves the process, and the recorded sites' names are never resolved.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future

from crawler import stat_keys
from crawler.errors import ConfigError
from crawler.spiders.error_counts import count_error

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], Awaitable[str | None]]
SETTING = "CRAWLER_ALLOW_PRIVATE_NETWORKS"
_ALL = ("1", "true", "yes", "on")
_NONE = ("", "0", "false", "no", "off")


def allowed_networks(value: str) -> tuple[Network, ...] | None:
    """The setting's networks; None when every address is allowed."""
    value = value.strip().lower()
    if value in _ALL:
        return None
    if value in _NONE:
        return ()
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in value.split(",") if part)
    except ValueError as exc:
        raise ConfigError(f"{SETTING}: true, false or networks like 10.0.0.0/8: {exc}") from exc


def literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_private(address: Address, allowed: tuple[Network, ...] = ()) -> bool:
    """Not a public internet address (private, loopback, link-local, reserved, shared…)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address in network for network in allowed):
        return False
    return not address.is_global or address.is_multicast


async def _scrapy_resolve(host: str) -> str | None:
    """The address Scrapy's resolver gives (and caches for the download); None if none."""
    from twisted.internet import reactor

    core: Any = reactor  # Twisted's stubs type resolve()'s name as Sequence[int]
    try:
        return str(await maybe_deferred_to_future(core.resolve(host)))
    except Exception:  # does not resolve: the download itself fails and counts it as dns
        return None


def _remember_failures(resolve: Resolver) -> Resolver:
    """Scrapy's resolver caches answers, not failures: a name that does not resolve (a crawl
    through a proxy, a dead host) would be looked up again, and waited for, on every request."""
    unresolved: set[str] = set()

    async def resolve_once(host: str) -> str | None:
        if host in unresolved:
            return None
        address = await resolve(host)
        if address is None:
            unresolved.add(host)
        return address

    return resolve_once


class PrivateNetworkMiddleware:
    # After OffsiteMiddleware (50), so offsite links are never resolved; before
    # RobotsTxtMiddleware (100), so a refused host is not even asked for its robots.txt.

    def __init__(
        self, stats: StatsCollector, allowed: tuple[Network, ...], resolve: Resolver
    ) -> None:
        self.stats = stats
        self.allowed = allowed
        self.resolve = resolve

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateNetworkMiddleware:
        settings = crawler.settings
        if settings.get("CRAWLER_REPLAY_DIR"):
            raise NotConfigured()  # off by design: the recorded web never leaves the process
        try:
            allowed = allowed_networks(str(settings.get(SETTING) or ""))
        except ConfigError as exc:
            # A typo must not open the network: one line, and the safe default.
            logger.error("%s; private addresses stay blocked", exc)
            allowed = ()
        if allowed is None:
            raise NotConfigured()  # off by design: {SETTING} allows every address
        return cls(crawler.stats, allowed, _remember_failures(_scrapy_resolve))

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if not host:
            return
        address = literal_address(host)
        if address is None:
            resolved = await self.resolve(host)
            address = literal_address(resolved) if resolved else None
        if address is None or not is_private(address, self.allowed):
            return
        count_error(self.stats, "private_network", request.meta.get("site"))
        what = "is" if str(address) == host.strip("[]") else f"resolves to {address}, which is"
        message = (
            f"{host} {what} a private, loopback or link-local address: not crawled "
            f"(set {SETTING}=true to allow)"
        )
        self.stats.set_value(stat_keys.unreachable_key(host), message)
        raise IgnoreRequest(message)
