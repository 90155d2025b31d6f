"""The general reading of a page, the floor under every profile's reading.

trafilatura reads every page once with the general options (favouring recall): that text is
the floor. On a profiled site the profile's own reading (precision, its boilerplate removed)
wins unless it lost to the floor: nothing left, much shorter, or an opening it dropped
(docs/extraction.md).
"""

from __future__ import annotations

from typing import Any

from trafilatura import bare_extraction

from crawler.extraction import clean, verdict
from crawler.extraction.page import Page

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
