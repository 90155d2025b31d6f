"""The general reading of a page, the floor under every profile's reading.

trafilatura reads every page with the general options (favouring recall): that text is the
floor. On a profiled site the profile's own reading (precision, its boilerplate removed)
wins unless it lost to the floor: nothing left, much shorter, or an opening it dropped
(docs/extraction.md). The profile's reading comes first there, and the general one is read
only when what the profile dropped could have made the floor win (:func:`settled`): most
pages are read once (docs/performance.md).
"""

from __future__ import annotations

from typing import Any

from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from crawler.extraction import clean, hydration, verdict
from crawler.extraction.page import Page, clean_space

# The general result, the floor under every page: trafilatura without comments, favouring
# recall. Chosen on ScrapingHub and WCXB together (docs/extraction.md): favor_precision wins
# 0.003 F1 on ScrapingHub and loses 0.024 on WCXB (nothing at all for 10 of 711 pages); recall
# scores as the default (balanced) mode within 0.001 on both and takes 0.73x its time.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_recall": True,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}
# On a profiled site, the profile's own result: its boilerplate nodes are gone from the tree,
# so precision costs no content there and keeps the last residue out; and trafilatura's own
# fallback (readability, jusText) has nothing left to rescue: the general result, which keeps
# it, is the floor under this one (docs/extraction.md).
PROFILE_OPTIONS: dict[str, Any] = {**TRAFILATURA_OPTIONS, "favor_recall": False,
                                   "favor_precision": True, "fast": True}
# Recall mode sometimes settles on a small wrong block where the default mode finds the text
# (2 of 711 WCXB pages): a shorter result than this gets the default mode's second opinion.
SECOND_OPINION_CHARS = 1000
DEFAULT_OPTIONS: dict[str, Any] = {**TRAFILATURA_OPTIONS, "favor_recall": False}
# The profile's text must keep this share of the general result's, or the general one is used.
FLOOR_SHARE = 0.6


def trafilatura_text(page: Page, options: dict[str, Any]) -> str:
    try:  # bare_extraction works on a copy: page.tree stays as it was
        doc = bare_extraction(page.tree, url=page.url, **options)
    except Exception:  # a trafilatura bug on one odd page is "no article", not a crash
        return ""
    return (getattr(doc, "text", None) or "") if doc is not None else ""


def general_reading(page: Page, code: list[HtmlElement]) -> tuple[str, bool]:
    """The general result of the intact page, and whether it came from the page's hydration
    data: recall first; the default mode's second opinion when that is short; a script
    application's hydration data when the page shows almost nothing."""
    text = trafilatura_text(page, TRAFILATURA_OPTIONS)
    if len(text) < SECOND_OPINION_CHARS:
        text = max(text, trafilatura_text(page, DEFAULT_OPTIONS), key=len)
    if len(text) < verdict.MIN_PROSE_CHARS and (embedded := hydration.embedded_html(code)):
        # A script application's page: the article is in its hydration data, its body a
        # mount point with a menu at most.
        return max(text, trafilatura_text(Page(page.url, load_html(
            f"<html><body><article>{embedded}</article></body></html>"), None),
            TRAFILATURA_OPTIONS), key=len), True
    return text, False


def settled(profiled: clean.Cleaned, unlinked: list[str], intact: Page) -> bool:
    """Whether :func:`floor` keeps the profile's reading as it is, told from what the profile
    dropped, without the general reading. The general reading differs from the profile's by
    the dropped nodes (those holding links never count: :func:`floor`'s caller drops their
    lines) and by the reading's mode. So the general reading is still needed for a short
    text (the floor's cases: a short story, a photo story, a listing), where the dropped
    prose could make the profile's text fall under ``FLOOR_SHARE`` of the general one, and
    where dropped prose comes before the profile's first line (an opening it lost)."""
    if profiled.chars < SECOND_OPINION_CHARS:
        return False
    prose = [block for block in unlinked if verdict.is_prose(block)]
    if sum(map(len, prose)) > (1 / FLOOR_SHARE - 1) * profiled.chars:
        return False
    if not prose:
        return True
    text = clean_space(intact.tree.text_content())
    # The last place the first line could stand, the first place a dropped block could.
    start = text.rfind(clean_space(profiled.lines[0])[:60])
    return start >= 0 and all(text.find(block[:60]) > start for block in prose)


def line_key(line: str) -> str:
    return " ".join(line.lower().split())


def within(key: str, blocks: list[str]) -> bool:
    return any(key in block for block in blocks)


def floor(profiled: clean.Cleaned, general: clean.Cleaned) -> tuple[clean.Cleaned, str | None]:
    """The profile's result, unless it lost to the general one: then the general result
    (nothing or too little left) or the general opening put before the profile's text."""
    if not profiled.lines:
        return (general, "no text") if general.lines else (profiled, None)
    if profiled.chars < FLOOR_SHARE * general.chars:
        return general, "short"
    have = {line_key(line) for line in profiled.lines}
    shared = next((n for n, line in enumerate(general.lines) if line_key(line) in have), None)
    if shared is None:
        return profiled, None  # nothing in common but not shorter: the profile's reading wins
    opening = general.lines[:shared]
    if any(verdict.is_prose(line) for line in opening):
        profiled.lines[:0] = opening
        return profiled, "opening"
    return profiled, None
