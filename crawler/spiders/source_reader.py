"""Reading the discovery sources the spider fetches itself: RSS and Atom feeds, sitemaps
(their entries with what is known before fetching: title, date), and a link resolved against
the response it sat in. The links of article and listing pages are read in the extraction
workers, by crawler/extraction/link_reader.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import Sitemap

from crawler.extraction.link_reader import Candidate

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


def is_feed(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return (
        b"<rss" in head
        or b"<feed" in head
        or (head.startswith(b"<?xml") and b"<rss" in body[:2048])
    )
