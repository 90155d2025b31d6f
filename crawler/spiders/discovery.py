"""Reading the discovery sources a site offers: feeds, sitemaps, listings, related blocks.

Pure functions over a Scrapy response's body and selector: they return candidate links with
what is known of them before fetching (anchor text, date, the block they sat in).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.sites import SiteProfile


@dataclass(frozen=True)
class Candidate:
    url: str
    anchor: str
    block: str  # seed | related | section | tag | feed | sitemap | search | link
    date: datetime | None = None
    is_sitemap: bool = False


# Links urljoin would resolve by rule, read without it (it ran for every link of every
# page): an absolute http(s) link it returns unchanged (no whitespace, brackets or ";"
# params), and a root-relative one without "." segments, which it appends to the base's
# origin. Anything else, or an empty query or fragment it would drop, goes through urljoin.
_ABSOLUTE = re.compile(r"https?://[^\s/?#;\[\]][^\s;\[\]]*\Z")
_ROOT_RELATIVE = re.compile(r"/(?![/\\])[^\s;\[\]]*\Z")
_DOT_SEGMENT = re.compile(r"/\.\.?(?:[/?#]|\Z)")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d*)?(?=[/?#]|\Z)")


def absolute_url(response: Any, href: str) -> str | None:
    """``href`` resolved against the page (and its ``<base href>``), as ``response.urljoin``
    does; None when no URL parser reads it ("http://[", a bad IPv6 host)."""
    if not href.endswith(("?", "#")) and "?#" not in href:
        if _ABSOLUTE.match(href):
            return href
        if (
            _ROOT_RELATIVE.match(href)
            and not _DOT_SEGMENT.search(href)
            and (origin := _ORIGIN.match(_base_url(response)))
        ):
            return origin.group(0) + href
    try:
        return str(response.urljoin(href))
    except ValueError:
        return None


def _base_url(response: Any) -> str:
    # Imported here: extraction workers use this module and need no Scrapy.
    from scrapy.http import TextResponse
    from scrapy.utils.response import get_base_url

    return get_base_url(response) if isinstance(response, TextResponse) else str(response.url)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else None


def feed_entries(body: bytes) -> Iterator[Candidate]:
    """Items of an RSS 2.0 or Atom feed; a broken feed yields what could be read."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return
    if root is None:
        return
    for node in root.iter():
        tag = etree.QName(node).localname if isinstance(node.tag, str) else ""
        if tag not in ("item", "entry"):
            continue
        fields: dict[str, str] = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name == "link" and child.get("href"):
                fields.setdefault("link", child.get("href", ""))
            elif child.text:
                fields.setdefault(name, child.text.strip())
        link = fields.get("link") or fields.get("guid")
        if link:
            date = fields.get("pubDate") or fields.get("published") or fields.get("updated")
            yield Candidate(link.strip(), fields.get("title", ""), "feed", _parse_date(date))


def sitemap_entries(body: bytes) -> Iterator[Candidate]:
    """URLs of a sitemap or sitemap index, with lastmod / news publication dates."""
    # Imported here: extraction workers read links with this module and need no Scrapy.
    from scrapy.utils.sitemap import Sitemap

    try:
        sitemap = Sitemap(body)
    except (etree.XMLSyntaxError, ValueError):
        return
    is_index = sitemap.type == "sitemapindex"
    for entry in sitemap:
        loc = entry.get("loc")
        if not loc:
            continue
        news = entry.get("news")
        date_value = entry.get("lastmod")
        title = ""
        if isinstance(news, dict):
            date_value = news.get("publication_date") or date_value
            title = news.get("title", "") or ""
        yield Candidate(loc, title, "sitemap", _parse_date(date_value), is_sitemap=is_index)


def _anchor_candidates(root: Any, block: str) -> Iterator[Candidate]:
    # lxml directly: a Selector per anchor cost more than the rest of link discovery.
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if href is None:
            continue
        # Every text node inside the anchor (as parsel's "::text"), else its title attribute.
        text = " ".join(anchor.itertext()).strip() or anchor.get("title", "")
        yield Candidate(href, text, block)


def block_links(selector: Selector, css_blocks: tuple[str, ...], block: str) -> Iterator[Candidate]:
    for css in css_blocks:
        for found in selector.css(css):
            yield from _anchor_candidates(found.root, block)


def page_links(selector: Selector) -> Iterator[Candidate]:
    yield from _anchor_candidates(selector.root, "link")


def next_pages(selector: Selector, site: SiteProfile) -> Iterator[str]:
    for css in site.next_page_selectors:
        yield from selector.css(css).css("::attr(href)").getall()
    yield from selector.css('link[rel="next"]::attr(href)').getall()


def is_feed(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return (
        b"<rss" in head
        or b"<feed" in head
        or (head.startswith(b"<?xml") and b"<rss" in body[:2048])
    )


LISTING_BLOCKS = frozenset({"section", "tag", "search"})


@dataclass(frozen=True)
class PageLinks:
    """Every link a page offers, read once where the page is parsed (an extraction worker):
    its related-articles blocks, all its anchors, its profile's list links, its next pages."""

    related: tuple[Candidate, ...] = ()
    anchors: tuple[Candidate, ...] = ()
    listed: tuple[Candidate, ...] | None = None  # None: the profile names no list blocks
    next_pages: tuple[str, ...] = ()

    def listing(self, block: str) -> tuple[list[Candidate], list[Candidate]]:
        """A listing page's links and next pages, in the block it was found in."""
        kind = block if block in LISTING_BLOCKS else "section"
        links = self.listed if self.listed is not None else self.anchors
        return (
            [replace(c, block=kind) for c in links],
            [Candidate(u, "", kind) for u in self.next_pages],
        )


def page_links_of(page: str | Any, site: SiteProfile) -> PageLinks:
    """Every link of a page, from its HTML or from its parsed (lxml.html) tree."""
    selector = Selector(text=page) if isinstance(page, str) else Selector(root=page, type="html")
    listed = None
    if site.listing_link_selectors:
        listed = tuple(block_links(selector, site.listing_link_selectors, "section"))
    return PageLinks(
        related=tuple(block_links(selector, site.related_selectors, "related")),
        anchors=tuple(page_links(selector)),
        listed=listed,
        next_pages=tuple(next_pages(selector, site)),
    )
