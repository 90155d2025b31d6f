"""Link texts that read like headlines: the related-article blocks' and every link's, and the
lines of the text that are nothing but such headlines or their teasers (kept out of a story)."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from crawler.extraction.page import Page, clean_space, css_select, word_count

MIN_HEADLINE = 15  # shorter link texts ("Thế giới", "Xem thêm") are not article headlines
_LETTERS = re.compile(r"\w")


def related_headlines(page: Page) -> set[str]:
    """Headlines and teaser texts inside the profile's related-article blocks (lower-cased)."""
    if not page.site or not page.site.related_selectors:
        return set()
    found: set[str] = set()
    for css in page.site.related_selectors:
        for root in css_select(page.tree, css):
            if not isinstance(root, HtmlElement):
                continue
            # links and leaves: a headline is a link, a teaser a childless block
            for el in root.iter():
                if not isinstance(el.tag, str) or (el.tag != "a" and len(el) > 0):
                    continue
                if len(text := clean_space(el.text_content())) >= MIN_HEADLINE:
                    found.add(text.lower())
    return found


def anchor_texts(page: Page) -> set[str]:
    """Every link text that reads like a headline (long enough, three words or more; not a
    URL or an e-mail address, which articles list as content)."""
    texts = (clean_space(a.text_content()).lower() for a in page.tree.iter("a"))
    return {t for t in texts if len(t) >= MIN_HEADLINE and word_count(t) >= 3}


def only_headlines(line: str, headlines: set[str]) -> bool:
    low = line.lower()
    if low in headlines:
        return True
    if any(low.startswith(h) for h in headlines if len(h) >= 20):
        return True  # a teaser: the headline then its excerpt
    rest = low
    for h in headlines:
        if h in rest:
            rest = rest.replace(h, " ")
    return rest != low and len(_LETTERS.findall(rest)) < 5


def is_teaser(line: str, anchors: set[str]) -> bool:
    """A headline link followed by its excerpt and "…": a related-article teaser."""
    low = line.lower()
    return low.endswith(("...", "…")) and any(low.startswith(a) for a in anchors if len(a) >= 20)
