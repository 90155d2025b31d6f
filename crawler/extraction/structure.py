"""What a page is made of, as numbers: the inputs of the page-kind model (``page_kind.py``).

Measured on the intact tree (before any pre-cleaning) by compiled XPath and one walk up from
the links, plus the URL's shape. The page's own claims (og:type, JSON-LD) are not measured
here: the rules believe them (``verdict.claims_article``), and as model inputs their absence
weighed against every small news site that prints none, for 0.02 of precision on WCXB
out-of-fold (0.804 without, 0.824 with). Nothing here counts words or spaces: Chinese,
Japanese and Thai have none, so every length is in characters. (Counts of class and id words
such as ``teaser`` or ``price`` were measured and dropped: out-of-fold on WCXB the model
scored the same without them, 0.800 against 0.801 precision, for 1 ms a page.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.extraction.page import Page
from crawler.extraction.url_shape import url_features
from crawler.extraction.verdict import Evidence

_SENTENCE_END = re.compile(r"[.!?。！？」”\"'»)…]\s*$")
MIN_REPEAT = 4  # siblings of one shape, each with a link: a list of teasers or products
MIN_CARDS = 2  # a list's last page may hold two cards
TEASER_LINK_CHARS = 15  # a headline's worth of link text, not "more" or a menu word
TEASER_LINK_SHARE = 0.15  # of the block's text: an inline link in a paragraph is less


def _teaser_text(block: HtmlElement) -> str | None:
    """The block's text if it reads as a teaser: it opens with a headline link (the first
    words are a link's, of at least ``TEASER_LINK_CHARS``, a fair share of the block). A
    paragraph with links inside its sentences does not open with one."""
    headline = int(_LEADING_LINK(block))
    if headline < TEASER_LINK_CHARS:
        return None
    text = " ".join(block.text_content().split()).lower()
    return text if headline >= TEASER_LINK_SHARE * len(text) else None


@dataclass(frozen=True)
class Shape:
    """The page's structure as named numbers, and the text of its teaser blocks (the cards of
    a list: same-shape siblings each led by a headline link), lower-cased, one per line."""

    features: dict[str, float]
    teaser_text: str


_COUNTED = ("a", "p", "li", "h1", "h2", "h3", "article", "time", "img", "form", "input",
            "button", "select", "textarea", "table", "pre", "code", "iframe", "video", "nav",
            "aside", "footer", "section", "figure", "blockquote", "dl")
# lxml walks the tree in C for these; a Python loop over every element cost 3x more.
_TEXT = XPath("string-length(normalize-space(.))")
_LINK_TEXT = XPath(".//a//text()", smart_strings=False)
# The length of the link that holds the block's first words (0: they are no link's).
_LEADING_LINK = XPath("string-length(normalize-space("
                      "((.//text()[normalize-space()])[1]/ancestor::a)[last()]))")
_LI_TEXT = XPath(".//li//text()", smart_strings=False)
_PARAGRAPHS = XPath(".//p")
_HEADING_LINK_TEXT = XPath("(.//h2|.//h3|.//h4|.//h5|.//h6)//a//text()", smart_strings=False)
_HEADINGS_WITH_LINKS = XPath("count((.//h2|.//h3|.//h4|.//h5|.//h6)[.//a])")


def _chars(texts: list[str]) -> int:
    return sum(len(t.strip()) for t in texts)


def _cards(root: HtmlElement) -> tuple[int, int, list[str]]:
    """Lists of same-shape siblings holding links: how many of at least ``MIN_REPEAT``, the
    longest, and the text of every sibling that reads as a teaser."""
    # Which children hold a link, found from the links upwards: each element is visited once
    # (lxml keeps one proxy per node while it is referenced, so the set and dict hold).
    holders: dict[HtmlElement, list[HtmlElement]] = {}
    seen: set[HtmlElement] = set()
    for link in root.iter("a"):
        child = link
        while child is not root and child not in seen:
            seen.add(child)
            parent = child.getparent()
            if parent is None:
                break
            holders.setdefault(parent, []).append(child)
            child = parent
    groups = longest = 0
    teasers: list[str] = []
    for children in holders.values():
        if len(children) < MIN_CARDS:
            continue
        shapes: dict[tuple[str, str], list[HtmlElement]] = {}
        for child in children:
            shapes.setdefault((child.tag, child.get("class") or ""), []).append(child)
        repeat = max(shapes.values(), key=len)
        if len(repeat) >= MIN_REPEAT:
            groups += 1
            longest = max(longest, len(repeat))
        found = [t for t in map(_teaser_text, repeat) if t] if len(repeat) >= MIN_CARDS else []
        if len(found) >= MIN_CARDS:
            teasers.extend(found)
    return groups, longest, teasers


def measure(page: Page) -> Shape:
    """The page's structure. Call on the intact tree."""
    body = page.tree.find("body")
    root = body if body is not None else page.tree
    n = dict.fromkeys(_COUNTED, 0)
    for el in root.iter(*_COUNTED):
        n[el.tag] += 1
    p_texts = [p.text_content().strip() for p in _PARAGRAPHS(root)]
    p_lengths = [len(t) for t in p_texts]
    long_ps = [t for t in p_texts if len(t) >= 150]
    sentence_ps = sum(bool(_SENTENCE_END.search(t)) for t in long_ps)
    repeat_groups, max_repeat, teasers = _cards(root)
    total = max(int(_TEXT(root)), 1)
    features = {f"n_{k}": float(v) for k, v in n.items()}
    features.update({
        "text_chars": float(total),
        "link_share": _chars(_LINK_TEXT(root)) / total,
        "p_share": sum(p_lengths) / total,
        "li_share": _chars(_LI_TEXT(root)) / total,
        "long_p": float(len(long_ps)),
        "sentence_p": float(sentence_ps),
        "max_p": float(max(p_lengths, default=0)),
        "heading_links": float(_HEADINGS_WITH_LINKS(root)),
        "heading_link_share": _chars(_HEADING_LINK_TEXT(root)) / total,
        "links_per_kchar": 1000.0 * n["a"] / total,
        "repeat_groups": float(repeat_groups),
        "max_repeat": float(max_repeat),
        "teaser_blocks": float(len(teasers)),
        "teaser_chars": float(sum(map(len, teasers))) / total,
        "title_chars": float(len((page.meta_first("og:title") or "")
                                 or (page.tree.findtext(".//title") or "").strip())),
    })
    features.update(url_features(page.url))
    return Shape(features, "\n".join(teasers))


def in_teasers(lines: list[str], shape: Shape) -> float:
    """Share of the text in lines that are part of a teaser block's text."""
    chars = sum(map(len, lines))
    inside = sum(len(line) for line in lines
                 if len(line) >= TEASER_LINK_CHARS and " ".join(line.lower().split())
                 in shape.teaser_text)
    return inside / chars if chars else 0.0


def text_features(lines: list[str], shape: Shape, in_cards: float, evidence: Evidence,
                  authors: int, date_sources: set[str]) -> dict[str, float]:
    """The shape of the extracted text (after cleaning), beside the whole page's: what the
    rules weighed (``evidence``), the bylines found and where the page's dates came from."""
    page_text_chars = shape.features["text_chars"]
    chars = sum(map(len, lines))
    long_lines = [line for line in lines if len(line) >= 100]
    ends = sum(bool(_SENTENCE_END.search(line)) for line in lines)
    count = max(len(lines), 1)
    return {
        "body_chars": float(chars),
        "body_lines": float(len(lines)),
        "body_long_lines": float(len(long_lines)),
        "body_long_share": sum(map(len, long_lines)) / chars if chars else 0.0,
        "body_share": chars / max(page_text_chars, 1.0),
        "body_sentence_share": ends / count,
        "body_mean_line": chars / count,
        "body_teasers": float(evidence.teasers),
        "body_teaser_share": evidence.teaser_share,
        "body_dated_share": evidence.dated / count,
        "body_cut_share": evidence.cut_short / count,
        "body_inside_links": evidence.inside_links,
        "body_in_cards": in_cards,
        "authors": float(authors),
        "date_structured": float(bool(date_sources & {"jsonld", "meta"})),
        "date_visible": float(bool(date_sources & {"text", "time"})),
        "date_url": float("url" in date_sources),
    }
