"""URL identity: every labelled variant of a recorded article resolves to the article's identity."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html
from scrapy.http import HtmlResponse

from crawler.config import Config
from crawler.recorded_web.replay import RecordedWeb
from crawler.sites import host_of, load_sites, site_for_url
from crawler.spiders.source_reader import absolute_url
from crawler.store.urls import (
    canonical_url,
    is_alternate_rendering,
    normalize_url,
    site_host,
    url_key,
)
from tests.test_dedup import labels

WEB = Path(__file__).resolve().parent / "web"
SITES = list(load_sites(Config.from_env().sites_dir).values())


def _labelled_variants() -> list[tuple[str, str]]:
    pairs = {
        (str(variant), url)
        for url, label in labels().items()
        for variant in label.get("variants", []) or []  # type: ignore[attr-defined]
    }
    return sorted(pairs)


def _fetch_like_the_crawler(url: str) -> tuple[str, str | None]:
    """Follow the recorded redirects; the final URL and the page's declared canonical."""
    web = RecordedWeb(WEB)
    for _ in range(10):
        page = web.get(url)
        if page.status in (301, 302, 307, 308) and "Location" in page.headers:
            url = page.headers["Location"]
            continue
        assert page.status == 200, f"{url}: {page.status}"
        tree = lxml_html.fromstring(page.body)
        declared = tree.xpath("//link[@rel='canonical']/@href") or tree.xpath(
            "//meta[@property='og:url']/@content"
        )
        return url, (str(declared[0]) if declared else None)
    raise AssertionError(f"redirect loop from {url}")


VARIANTS = _labelled_variants()


def test_the_recorded_web_has_variants_of_every_kind() -> None:
    kinds = " ".join(v for v, _ in VARIANTS)
    for marker in ("amp.dantri", "/amp/", "&mobile=yes&amp=1", "?cf=", "utm_", "http://"):
        assert marker in kinds, marker


@pytest.mark.parametrize(("variant", "article"), VARIANTS, ids=lambda u: u[-50:])
def test_labelled_variant_resolves_to_its_article(variant: str, article: str) -> None:
    final, declared = _fetch_like_the_crawler(variant)
    site = site_for_url(final, SITES) or site_for_url(variant, SITES)
    domains = site.domains if site else ()
    assert url_key(final, declared, domains) == url_key(article)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # tracking parameters, fragments, scheme, www.
        (
            "http://www.15min.lt/naujiena/a-57-1?utm_source=rss&utm_medium=rss#comments",
            "https://15min.lt/naujiena/a-57-1",
        ),
        ("https://15min.lt/naujiena/a-57-1?cf=df", "https://15min.lt/naujiena/a-57-1"),
        ("https://x.vn/a.html?fbclid=IwAR0&gclid=1&id=7", "https://x.vn/a.html?id=7"),
        # AMP and mobile renderings
        (
            "https://amp.dantri.com.vn/the-gioi/a-2016.htm",
            "https://dantri.com.vn/the-gioi/a-2016.htm",
        ),
        ("https://m.x.vn/a.html", "https://x.vn/a.html"),
        ("https://kinhtedothi.vn/amp/a.html", "https://kinhtedothi.vn/a.html"),
        ("https://baoquocte.vn/a-96385.html&mobile=yes&amp=1", "https://baoquocte.vn/a-96385.html"),
        ("https://x.com/news/story/amp/", "https://x.com/news/story/"),
        ("https://x.com/a.amp.html", "https://x.com/a.html"),
        ("https://x.com/a?outputType=amp&amp=1", "https://x.com/a"),
        # what is kept: meaningful parameters, in a stable order; paths with an "&" that is
        # not a parameter list
        ("https://x.com/p?b=2&a=1", "https://x.com/p?a=1&b=2"),
        ("https://x.com/tom&jerry.html", "https://x.com/tom&jerry.html"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_declared_canonical_is_trusted_only_on_the_same_site() -> None:
    fetched = "https://huengaynay.vn/the-gioi/a-64712.html"
    # another site's canonical is a syndication credit, not this article's identity
    assert url_key(fetched, "https://kinhtedothi.vn/b.html") == fetched
    assert canonical_url(fetched, "https://kinhtedothi.vn/b.html") == fetched
    # a canonical pointing at the home page is a CMS default
    assert url_key(fetched, "https://huengaynay.vn/") == fetched
    # the same site under its old domain, when the site profile lists both
    old = "https://baothuathienhue.vn/amp.aspx?newid=63458"
    new = "https://huengaynay.vn/the-gioi/a-63458.html"
    assert url_key(old, new, ("huengaynay.vn", "baothuathienhue.vn")) == new
    assert canonical_url(old, new, ("huengaynay.vn", "baothuathienhue.vn")) == new
    assert url_key(old, new) == normalize_url(old)
    # a subdomain of the same site: the key is normalised, the canonical URL is the declared
    # one as a browser opens it (scheme and www. kept), without its tracking parameters
    declared = "http://www.x.vn/a.html?utm_source=f"
    assert url_key("https://amp.x.vn/a.html", declared) == "https://x.vn/a.html"
    assert canonical_url("https://amp.x.vn/a.html", declared) == "http://www.x.vn/a.html"


def test_canonical_url_opens_where_the_key_would_not() -> None:
    """The key forces https and drops www.; the canonical URL keeps what the site serves,
    and always normalises to the key (so it names one article)."""
    local = "http://127.0.0.1:8123/the-gioi/a.html?utm_medium=rss#comments"
    assert canonical_url(local) == "http://127.0.0.1:8123/the-gioi/a.html"
    assert url_key(local) == "https://127.0.0.1:8123/the-gioi/a.html"
    for fetched, declared in [(local, None), ("https://www.15min.lt/a?cf=df", None),
                              ("https://amp.x.vn/a.html", "http://www.x.vn/a.html"),
                              ("https://x.vn/a b.html?q=a+b&utm_source=x", None)]:
        assert normalize_url(canonical_url(fetched, declared)) == url_key(fetched, declared)


def test_alternate_renderings_are_recognised() -> None:
    assert is_alternate_rendering("https://amp.dantri.com.vn/a.htm")
    assert is_alternate_rendering("https://m.15min.lt/naujiena/a")
    assert is_alternate_rendering("https://kinhtedothi.vn/amp/a.html")
    assert is_alternate_rendering("https://x.vn/a.html?amp=1")
    assert not is_alternate_rendering("https://www.15min.lt/naujiena/a")
    assert not is_alternate_rendering("https://x.vn/amplifier.html")


def test_site_host_keeps_short_hosts() -> None:
    assert site_host("www.15min.lt") == "15min.lt"
    assert site_host("amp.dantri.com.vn") == "dantri.com.vn"
    assert site_host("m.vn") == "m.vn"


# Links as pages really write them, and the odd ones a hostile or broken page holds.
_LINKS = [
    "https://dantri.com.vn/the-gioi/nga-nhat-ban-20240101.htm",
    "https://dantri.com.vn/the-gioi/a.htm?utm_source=x#comments",
    "HTTPS://DANTRI.COM.VN/a.htm",
    "http://kedainietis.lt:8080/naujienos/",
    "http://kedainietis.lt:/x",
    "http://kedainietis.lt:x/",
    "http://user@kedainietis.lt/x",
    "http://[::1]/x",
    "http://[",
    "https://dantri.com.vn/a.htm?",
    "https://dantri.com.vn/a.htm#",
    "https://dantri.com.vn/a.htm?#top",
    "https://dantri.com.vn/a;jsessionid=1",
    "https://dantri.com.vn/a;",
    " https://dantri.com.vn/a.htm",
    "https://dantri.com.vn/a\n.htm",
    "https:///a.htm",
    "//cdn.dantri.com.vn/a.jpg",
    "/the-gioi/b.htm",
    "/the-gioi/b.htm?page=2#top",
    "/a//b.htm",
    "/a/./b.htm",
    "/a/../b.htm",
    "/a/..",
    "/x?",
    "/\\x",
    "/x y.htm",
    "b.htm",
    "?page=2",
    "#top",
    "javascript:void(0)",
    "mailto:toasoan@dantri.com.vn",
    "http://bücher.example/x",
]


@pytest.mark.parametrize("base_href", [None, "http://m.dantri.com.vn:8080/sub/"])
@pytest.mark.parametrize("href", _LINKS)
def test_link_reading_shortcuts_agree_with_the_url_parser(href: str, base_href: str | None) -> None:
    """host_of and absolute_url skip urlsplit/urljoin for plain links (they ran for every
    link of every page): the result must be what the parser gives, against the page's
    <base href> when it has one, and None, not a crash, where the parser raises."""
    url = "https://dantri.com.vn/the-gioi/a.htm"
    head = f'<base href="{base_href}">' if base_href else ""
    body = f"<html><head>{head}</head><body></body></html>".encode()
    response = HtmlResponse(url, body=body, encoding="utf-8")
    try:
        expected: str | None = urljoin(base_href or url, href)
    except ValueError:
        expected = None
    assert absolute_url(response, href) == expected
    try:
        host = (urlsplit(href).hostname or "").lower()
    except ValueError:
        host = ""
    assert host_of(href) == host
