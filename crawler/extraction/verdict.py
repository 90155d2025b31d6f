"""Is there an article on this page? Measured on the recorded section, tag, search and home
pages (none may pass), the 181 ScrapingHub and 711 WCXB dev article pages (none may fail).

A page that claims to be an article is believed unless its text is plainly something else:
``og:type`` article/news/blog, article JSON-LD, or, on a profiled site, a URL matching the
profile's article patterns (the profile's word outranks a template's ``og:type``: real Dân trí
section pages say "article"). No article there when, after cleaning,

1. the text is shorter than ``MIN_CLAIMED_CHARS`` (a caption-only photo story or a short story
   of a few sentences is an article; a length floor any higher dropped them); or
2. it is nothing but teasers: at least ``MIN_ITEMS`` lines, ≥ ``CLAIMED_TEASER_SHARE`` of the
   text headline links or a headline link followed by its excerpt.

Any other page has no article when

1. it has fewer than ``MIN_PROSE_CHARS`` characters in lines of prose (a menu's words do
   not make an article); or
2. at least ``TEASER_SHARE`` of its text is headline links and teasers (headline + excerpt),
   or at least ``CLAIMED_TEASER_SHARE`` is, counting a line right under a headline link alone
   on its line as that headline's excerpt (the h3 + p of a tag or author page); or
3. it reads as a list of dated teasers: at least ``MIN_ITEMS`` lines open or close with a
   date stamp ("12/09/2018 19:52 Kinhtedothi - …", "Thứ Tư, 22/02/2023 08:30"), and they are
   ≥ ``ITEM_SHARE`` of the lines; or
4. it says it is not an article (``og:type`` website/object) and at least ``TEASER_SHARE`` of
   its lines are dated, cut short with "…", or teasers, or it has fewer than three lines of
   prose and fewer than ``SHORT_PROSE_CHARS`` characters of it (a home page's lead teaser).

Trafilatura returns text for most listing pages (the teasers' excerpts), so the rule looks at
the shape of that text, not only at its length.
"""

from __future__ import annotations

import re

from crawler.extraction.dateparse import WEEKDAY_PREFIX
from crawler.extraction.page import Page

MIN_CLAIMED_CHARS = 80
MIN_PROSE_CHARS = 200
SHORT_PROSE_CHARS = 500
PROSE_WORDS = 6  # a line of at least this many words is prose, not a label or a menu item
TEASER_SHARE = 0.5
CLAIMED_TEASER_SHARE = 0.9
MIN_ITEMS = 3
ITEM_SHARE = 0.3
_ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogposting"})
_STAMP = (r"(?:\d{1,2}:\d{2}\s+)?(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[-.]\d{2}[-.]\d{2})"
          r"(?:[\sT,-]+\d{1,2}:\d{2})?")
# A teaser's date, at the start or the end of its line ("12/09/2018 19:52 Kinhtedothi - …",
# "Thứ Tư, 22/02/2023 08:30", "- NATO sustabdė … 2014.04.01 23:05").
_DATED = re.compile(rf"^[-•*·\s]*{_STAMP}|{_STAMP}\s*$")
_TEASER_HEAD = 20  # characters of a headline that identify it at the start of a line


def _is_dated(line: str) -> bool:
    return bool(_DATED.search(WEEKDAY_PREFIX.sub("", line)))


def _cut_short(line: str) -> bool:
    return line.endswith(("...", "…"))


def teaser_index(anchors: set[str]) -> dict[str, list[str]]:
    """Headline link texts by their first characters, to find lines that open with one."""
    index: dict[str, list[str]] = {}
    for a in anchors:
        if len(a) >= _TEASER_HEAD:
            index.setdefault(a[:_TEASER_HEAD], []).append(a)
    return index


def opens_with_headline(line: str, index: dict[str, list[str]]) -> bool:
    """A headline link followed by its excerpt on one line: a listing's teaser."""
    low = line.lower().lstrip("-•*· ")
    return any(low.startswith(a) for a in index.get(low[:_TEASER_HEAD], ()))


def declares_non_article(page: Page) -> bool:
    og_type = (page.meta_first("og:type") or "").lower()
    return bool(og_type) and og_type not in _ARTICLE_OG_TYPES and not page.article_jsonld


def claims_article(page: Page) -> bool:
    """The page (or, on a profiled site, the profile's URL patterns) says it is an article."""
    if page.site is not None:
        return page.site.is_article_url(page.url)
    og_type = (page.meta_first("og:type") or "").lower()
    return og_type in _ARTICLE_OG_TYPES or bool(page.article_jsonld)


def no_article_reason(lines: list[str], page: Page, anchors: set[str],
                      date_lines: int = 0, link_chars: int = 0,
                      excerpt_chars: int = 0) -> str | None:
    """Why the page has no article, or None when it has one. ``date_lines``: lines that
    were only a date stamp, and ``link_chars``: characters of lines that were only a headline
    link, both already cleaned out of ``lines``; ``excerpt_chars``: characters of the lines
    kept right after such a link (a teaser's excerpt under its headline)."""
    chars = sum(len(line) for line in lines) + max(0, len(lines) - 1)
    index = teaser_index(anchors)
    teasers = [line for line in lines if opens_with_headline(line, index)]
    teaser_chars = sum(map(len, teasers)) + link_chars
    teaser_share = teaser_chars / (chars + link_chars) if chars + link_chars else 0.0
    if claims_article(page):
        if chars < MIN_CLAIMED_CHARS:
            return "too little text"
        if len(teasers) >= MIN_ITEMS and teaser_share >= CLAIMED_TEASER_SHARE:
            return "a list of teasers"
        return None
    prose_lines = [line for line in lines if len(line.split()) >= PROSE_WORDS]
    prose = sum(map(len, prose_lines))
    if prose < MIN_PROSE_CHARS:
        return "too little text"
    if teaser_share >= TEASER_SHARE:
        return "a list of teasers"
    # Headlines on their own lines, each over its excerpt: nothing but teasers. A hub page
    # (a topic link over its description, then prose of its own) keeps some text of its own.
    if chars and (teaser_chars + excerpt_chars) / (chars + link_chars) >= CLAIMED_TEASER_SHARE:
        return "a list of teasers"
    dated = sum(map(_is_dated, lines)) + date_lines
    if dated >= MIN_ITEMS and dated / (len(lines) + date_lines) >= ITEM_SHARE:
        return "a list of dated teasers"
    if declares_non_article(page):
        odd = sum(_is_dated(x) or _cut_short(x) or opens_with_headline(x, index) for x in lines)
        if (odd + date_lines) / (len(lines) + date_lines) >= TEASER_SHARE or (
                len(prose_lines) < 3 and prose < SHORT_PROSE_CHARS):
            return "declared a non-article page, and reads like one"
    return None
