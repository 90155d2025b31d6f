"""The links a page offers, read where the page is parsed (an extraction worker): its
related-articles blocks, every anchor, its profile's list links and its next pages, each with
what is known before fetching it (anchor text, the block it sat in). Pure: no Scrapy, no
network; the spider reads feeds and sitemaps itself (crawler/spiders/source_reader.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from parsel import Selector

from crawler.sites import SiteProfile


@dataclass(frozen=True)
class Candidate:
    url: str
    anchor: str
    block: str  # seed | related | section | tag | feed | sitemap | search | link
    date: datetime | None = None
    is_sitemap: bool = False


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
