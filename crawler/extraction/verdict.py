"""Is there an article on this page? The rule, measured on the recorded section, tag, search
and home pages and on the 181 ScrapingHub articles (none of which it rejects):

No article when, after cleaning,

1. the text is shorter than ``MIN_TEXT_CHARS``; or
2. more than half of it is lines that are link texts (a list of headlines); or
3. it reads as a list of dated teasers: at least ``MIN_ITEMS`` lines open or close with a
   date stamp ("12/09/2018 19:52 Kinhtedothi - …", "Thứ Tư, 22/02/2023 08:30"), and they are
   ≥ ``ITEM_SHARE`` of the lines (excerpts cut short with "…" are not enough on their own:
   articles end with such teaser lists too); or
4. the page says it is not an article (``og:type`` website/object, no article JSON-LD)
   and the text has any dated or "…" teaser, or a fifth of it is link texts, or it is
   fewer than three paragraphs (a home page's lone lead teaser).

Trafilatura alone returns text for most listing pages (the teasers' excerpts), so the rule
looks at the shape of that text, not only at its length.
"""

from __future__ import annotations

import re

from crawler.extraction.dateparse import WEEKDAY_PREFIX
from crawler.extraction.page import Page

MIN_TEXT_CHARS = 200
MAX_LINK_SHARE = 0.5
MIN_ITEMS = 3
ITEM_SHARE = 0.3
_ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogposting"})
_STAMP = (r"(?:\d{1,2}:\d{2}\s+)?(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[-.]\d{2}[-.]\d{2})"
          r"(?:[\sT,-]+\d{1,2}:\d{2})?")
# A teaser's date, at the start or the end of its line ("12/09/2018 19:52 Kinhtedothi - …",
# "Thứ Tư, 22/02/2023 08:30", "- NATO sustabdė … 2014.04.01 23:05").
_DATED = re.compile(rf"^[-•*·\s]*{_STAMP}|{_STAMP}\s*$")


def _link_share(lines: list[str], anchors: set[str]) -> float:
    total = sum(len(line) for line in lines)
    linked = sum(len(line) for line in lines if line.lower() in anchors)
    return linked / total if total else 0.0


def _dated(lines: list[str]) -> int:
    return sum(bool(_DATED.search(WEEKDAY_PREFIX.sub("", line))) for line in lines)


def _cut_short(lines: list[str]) -> int:
    return sum(line.endswith(("...", "…")) for line in lines)


def declares_non_article(page: Page) -> bool:
    og_type = (page.meta_first("og:type") or "").lower()
    return bool(og_type) and og_type not in _ARTICLE_OG_TYPES and not page.article_jsonld


def no_article_reason(lines: list[str], page: Page, anchors: set[str],
                      date_lines: int = 0) -> str | None:
    """Why the page has no article, or None when it has one. ``date_lines``: lines that
    were only a date stamp, already cleaned out of ``lines``."""
    if sum(len(line) for line in lines) + max(0, len(lines) - 1) < MIN_TEXT_CHARS:
        return "too little text"
    share = _link_share(lines, anchors)
    if share > MAX_LINK_SHARE:
        return "mostly link texts"
    dated = _dated(lines) + date_lines
    if dated >= MIN_ITEMS and dated / (len(lines) + date_lines) >= ITEM_SHARE:
        return "a list of dated teasers"
    teasers = dated + _cut_short(lines)
    if declares_non_article(page) and (teasers or share > 0.2 or len(lines) < 3):
        return "declared a non-article page, and reads like one"
    return None
