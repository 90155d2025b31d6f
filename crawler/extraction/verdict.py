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
from dataclasses import dataclass

from crawler.extraction.dateparse import WEEKDAY_PREFIX
from crawler.extraction.page import UNSPACED, Page
from crawler.extraction.page_kind import PageKindModel

MIN_CLAIMED_CHARS = 80
MIN_PROSE_CHARS = 200
SHORT_PROSE_CHARS = 500
PROSE_WORDS = 6  # a line of at least this many words is prose, not a label or a menu item
# Chinese, Japanese and Thai write no spaces between words: there a line is prose from this
# many letters of those scripts (six short words' worth).
PROSE_UNSPACED = 15
TEASER_SHARE = 0.5
CLAIMED_TEASER_SHARE = 0.9
MIN_ITEMS = 3
# A short text with a date and a byline (or the page to itself) is a short story: the
# page-kind model, which learned that short texts are rarely articles, does not overrule those
# marks (on WCXB out-of-fold the byline exemption let 7 forum threads and 1 listing through;
# of the development pages with the page to itself, one forum thread is not an article).
SHORT_STORY_CHARS = 1500
WHOLE_PAGE = 0.6  # share of the page's text a story holds when the page is little else
INTRO_CHARS = 600  # an introduction's length at most
INTRO_CARDS = 4  # times the introduction's text in the cards below it
MIN_CLAIMED_ITEMS = 2  # a list's last page may hold two teasers
CARD_SHARE = 0.8  # of the text inside the cards of a list (teaser blocks): a listing
ITEM_SHARE = 0.3
_ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogposting"})
_STAMP = (r"(?:\d{1,2}:\d{2}\s+)?(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[-.]\d{2}[-.]\d{2})"
          r"(?:[\sT,-]+\d{1,2}:\d{2})?")
# A teaser's date, at the start or the end of its line ("12/09/2018 19:52 Kinhtedothi - …",
# "Thứ Tư, 22/02/2023 08:30", "- NATO sustabdė … 2014.04.01 23:05").
_DATED = re.compile(rf"^[-•*·\s]*{_STAMP}|{_STAMP}\s*$")
_TEASER_HEAD = 20  # characters of a headline that identify it at the start of a line


def is_prose(line: str) -> bool:
    """A line of running text, not a label or a menu item, in any script."""
    return (len(line.split()) >= PROSE_WORDS
            or len(UNSPACED.findall(line, 0, 4 * PROSE_UNSPACED)) >= PROSE_UNSPACED)


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


@dataclass(frozen=True)
class Evidence:
    """What the rules saw in the cleaned text: their verdict and the shares they weighed."""

    reason: str | None
    teasers: int
    teaser_share: float
    dated: int
    cut_short: int
    inside_links: float  # share of the text in lines that are part of a link's text


def no_article_reason(lines: list[str], page: Page, anchors: set[str],
                      date_lines: int = 0, link_chars: int = 0,
                      in_cards: float = 0.0, excerpt_chars: int = 0) -> Evidence:
    """Why the rules find no article on the page (``reason`` None: they find one).
    ``date_lines``: lines that were only a date stamp, and ``link_chars``: characters of
    lines that were only a headline link, both already cleaned out of ``lines``; ``in_cards``:
    the share of the text that lies inside a list's cards (``structure.in_teasers``);
    ``excerpt_chars``: characters of the lines kept right after a headline link alone on its
    line (a teaser's excerpt under its headline)."""
    chars = sum(len(line) for line in lines) + max(0, len(lines) - 1)
    index = teaser_index(anchors)
    teasers = [line for line in lines if opens_with_headline(line, index)]
    teaser_chars = sum(map(len, teasers)) + link_chars
    teaser_share = teaser_chars / (chars + link_chars) if chars + link_chars else 0.0
    dated = sum(map(_is_dated, lines)) + date_lines
    cut = sum(map(_cut_short, lines))
    # A card whose whole block is one link (headline, excerpt and date inside the <a>): its
    # lines are pieces of that link's text.
    linked = "\n".join(anchors)
    inside = sum(len(line) for line in lines
                 if len(line) >= _TEASER_HEAD and line.lower() in linked)

    def found(reason: str | None) -> Evidence:
        return Evidence(reason, len(teasers), teaser_share, dated, cut,
                        inside / chars if chars else 0.0)

    if in_cards >= CARD_SHARE:
        return found("the text of a list of cards")
    if claims_article(page):
        if chars < MIN_CLAIMED_CHARS:
            return found("too little text")
        if len(teasers) >= MIN_CLAIMED_ITEMS and teaser_share >= CLAIMED_TEASER_SHARE:
            return found("a list of teasers")
        return found(None)
    prose_lines = [line for line in lines if is_prose(line)]
    prose = sum(map(len, prose_lines))
    if prose < MIN_PROSE_CHARS:
        return found("too little text")
    if teaser_share >= TEASER_SHARE:
        return found("a list of teasers")
    # Headlines on their own lines, each over its excerpt: nothing but teasers. A hub page
    # (a topic link over its description, then prose of its own) keeps some text of its own.
    if chars and (teaser_chars + excerpt_chars) / (chars + link_chars) >= CLAIMED_TEASER_SHARE:
        return found("a list of teasers")
    if dated >= MIN_ITEMS and dated / (len(lines) + date_lines) >= ITEM_SHARE:
        return found("a list of dated teasers")
    if declares_non_article(page):
        odd = sum(_is_dated(x) or _cut_short(x) or opens_with_headline(x, index) for x in lines)
        if (odd + date_lines) / (len(lines) + date_lines) >= TEASER_SHARE or (
                len(prose_lines) < 3 and prose < SHORT_PROSE_CHARS):
            return found("declared a non-article page, and reads like one")
    return found(None)


def has_story_marks(features: dict[str, float]) -> bool:
    """A short text with a publication date (structured or printed) and either a byline or
    the whole page to itself (an AMP copy: the page is the story, no list beside it)."""
    dated = bool(features.get("date_structured") or features.get("date_visible"))
    alone = (features.get("body_share", 0.0) >= WHOLE_PAGE
             and features.get("teaser_chars", 0.0) < 0.1)
    return (features.get("body_chars", 0.0) < SHORT_STORY_CHARS and dated
            and (features.get("authors", 0.0) > 0 or alone))


def introduces_a_list(features: dict[str, float]) -> bool:
    """A short text with no date of its own above cards holding four times as much text: the
    introduction of a topic, event or author page (real ones say og:type article too). A
    story prints its date; on the development pages this rule takes 15 listings, products
    and services and not one of the 1,114 article pages."""
    dated = any(features.get(k) for k in ("date_structured", "date_visible", "date_url"))
    body = features.get("body_chars", 0.0)
    cards = features.get("teaser_chars", 0.0) * features.get("text_chars", 0.0)
    return not dated and body < INTRO_CHARS and cards >= INTRO_CARDS * body


def decide(rule: str | None, features: dict[str, float],
           model: PageKindModel | None) -> tuple[str | None, float | None]:
    """The verdict: (why the page holds no article or None, the model's probability). The
    rules speak first; then the model, unless the text carries a short story's marks."""
    if rule is None and introduces_a_list(features):
        rule = "an introduction to a list"
    if model is None:
        return rule, None
    judged = model.judge(features)
    if rule is not None:
        return rule, judged.probability
    if judged.reason is not None and not has_story_marks(features):
        return judged.reason, judged.probability
    return None, judged.probability
