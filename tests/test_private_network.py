"""No request to private, loopback or link-local addresses unless the operator allows it.

The middleware alone (a fake resolver, no network), then two crawls of a server on 127.0.0.1:
one reached by a name (``localhost``, a DNS answer pointing at loopback) with nothing allowed,
which must never see a request, not even for robots.txt; one allowed ``127.0.0.1/32`` only,
whose pages redirect to the cloud metadata address and to 10.0.0.1, which must be refused
before any connection is tried (a connection would hang until the timeout instead).
"""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.launch.crawl_spec import CrawlSpec
from crawler.middlewares.private_network import (
    PrivateNetworkMiddleware,
    allowed_networks,
    is_private,
)
from crawler.spiders.related import RelatedSpider
from tests.local_web import crawl, serve


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.9", True), ("192.168.1.1", True),
        ("169.254.169.254", True), ("100.64.0.1", True), ("0.0.0.0", True), ("::1", True),
        ("fe80::1", True), ("fc00::5", True), ("::ffff:127.0.0.1", True), ("224.0.0.1", True),
        ("93.184.216.34", False), ("2606:4700::6810:84e5", False), ("8.8.8.8", False),
    ],
)  # fmt: skip
def test_private_addresses(address: str, private: bool) -> None:
    assert is_private(ipaddress.ip_address(address)) is private


def test_allowance_setting() -> None:
    assert allowed_networks("true") is None
    assert allowed_networks("") == ()
    assert allowed_networks("false") == ()
    nets = allowed_networks("127.0.0.0/8, 10.1.0.0/16")
    assert nets is not None
    assert not is_private(ipaddress.ip_address("10.1.9.9"), nets)
    assert is_private(ipaddress.ip_address("10.2.0.1"), nets)


def _middleware(
    resolved: dict[str, str], allow: str = "", **settings: str
) -> tuple[PrivateNetworkMiddleware, MemoryStatsCollector]:
    values = {"CRAWLER_ALLOW_PRIVATE_NETWORKS": allow, "CRAWLER_REPLAY_DIR": "", **settings}
    project = Settings()
    project.setmodule("crawler.settings")
    crawler = get_crawler(
        RelatedSpider, {**project.copy_to_dict(), **get_reactor_settings(), **values}
    )
    middleware = PrivateNetworkMiddleware.from_crawler(crawler)

    async def resolve(host: str) -> str | None:
        return resolved.get(host)

    middleware.resolve = resolve
    assert isinstance(crawler.stats, MemoryStatsCollector)
    return middleware, crawler.stats


def _check(middleware: PrivateNetworkMiddleware, url: str) -> None:
    asyncio.run(asyncio.wait_for(middleware.process_request(Request(url, meta={"site": "x"})), 5))


def test_refuses_literals_and_names_resolving_to_private_addresses() -> None:
    names = {"news.example": "93.184.216.34", "evil.example": "10.0.0.7", "2130706433": "127.0.0.1"}
    middleware, stats = _middleware(names)
    _check(middleware, "https://news.example/a")  # public: passes
    _check(middleware, "https://unresolvable.example/a")  # left to the download's dns error
    refused = [
        "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://evil.example/",
        "http://2130706433/",  # 127.0.0.1 written as one decimal number
    ]  # fmt: skip
    for url in refused:
        with pytest.raises(IgnoreRequest, match="private, loopback or link-local"):
            _check(middleware, url)
    assert stats.get_value("crawler/errors/private_network") == len(refused)
    assert stats.get_value("crawler/sites/x/errors/private_network") == len(refused)
    assert "resolves to 10.0.0.7" in stats.get_value("crawler/unreachable/evil.example")


def test_allowed_networks_only() -> None:
    middleware, stats = _middleware({}, allow="127.0.0.0/8")
    _check(middleware, "http://127.0.0.1:8000/")
    with pytest.raises(IgnoreRequest):
        _check(middleware, "http://192.168.0.1/")
    assert stats.get_value("crawler/errors/private_network") == 1


def test_off_when_allowed_or_replaying_and_safe_on_a_typo() -> None:
    with pytest.raises(NotConfigured):
        _middleware({}, allow="true")
    with pytest.raises(NotConfigured):  # the recorded web: no request leaves the process
        _middleware({}, CRAWLER_REPLAY_DIR="tests/web")
    middleware, _ = _middleware({}, allow="127.0.0.1/33")  # a typo keeps everything blocked
    with pytest.raises(IgnoreRequest):
        _check(middleware, "http://127.0.0.1/")


HOME = (
    b'<html><head><meta charset="utf-8"><title>Tin</title></head><body><ul>'
    b'<li><a href="/go/metadata">Metadata</a></li><li><a href="/go/intranet">Intranet</a></li>'
    b"</ul></body></html>"
)


def _routes() -> dict[str, object]:
    def redirect(target: str) -> object:
        return lambda h: h.send(302, b"", headers={"Location": target})

    return {
        "/": lambda h: h.send(200, HOME),
        "/robots.txt": lambda h: h.send(200, b"User-agent: *\nAllow: /\n", "text/plain"),
        "/go/metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/go/intranet": redirect("http://10.0.0.1/admin"),
    }


@pytest.mark.slow
def test_a_name_resolving_to_loopback_is_never_asked(sqlite_url: str, tmp_path: Path) -> None:
    with serve(_routes()) as web:  # type: ignore[arg-type]
        result = crawl(
            CrawlSpec(
                start_urls=(f"http://localhost:{web.port}/",), allowed_domains=("localhost",)
            ),
            sqlite_url, {"DOWNLOAD_TIMEOUT": "5"}, timeout=60,
        )  # fmt: skip
        assert web.server.log == []  # not even robots.txt
    assert result.returncode == 1, result.log[-3000:]  # scrapy crawl: the run failed
    assert "Traceback" not in result.log
    assert result.run["status"] == "failed"  # nothing could be fetched
    assert result.errors["private_network"] >= 1
    assert "localhost resolves to 127.0.0.1" in result.log
    assert "CRAWLER_ALLOW_PRIVATE_NETWORKS=true" in result.log


@pytest.mark.slow
def test_a_redirect_to_a_private_address_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    with serve(_routes()) as web:  # type: ignore[arg-type]
        result = crawl(
            CrawlSpec(
                start_urls=(f"{web.base}/",),
                allowed_domains=("127.0.0.1", "169.254.169.254", "10.0.0.1"),
            ),
            sqlite_url,
            # 20 s: a request that did go out to those addresses would still be waiting.
            {"DOWNLOAD_TIMEOUT": "20", "CRAWLER_ALLOW_PRIVATE_NETWORKS": "127.0.0.1/32"},
            timeout=60,
        )
        assert web.requested("/go/metadata") == web.requested("/go/intranet") == 1
    assert result.returncode == 0, result.log[-3000:]
    assert "Traceback" not in result.log
    assert result.errors == {"private_network": 2}
    assert result.seconds < 20
    assert "169.254.169.254 is a private, loopback or link-local address" in result.log
