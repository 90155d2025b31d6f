"""The article's HTML where a script application keeps it: its hydration data.

Pages rendered by Next.js, Nuxt and their kind may send an almost empty body and the article
as a JSON string inside a script (``"contentHtml":"\\u003cp\\u003e…"``), which the browser turns
into the page. Trafilatura sees no text there. When it finds none, the longest JSON string
in the page's scripts that holds paragraph markup is read as the article's HTML.
"""

from __future__ import annotations

import json
import re

from lxml.html import HtmlElement

# A JSON string literal of some length; linear (no nested quantifiers over the same text).
_STRING = re.compile(r'"((?:[^"\\]|\\.){200,})"')
_PARAGRAPH = ("\\u003cp", "\\u003Cp", "<p")
MAX_SCRIPT = 5_000_000  # characters of one script searched: larger ones are left alone


def embedded_html(scripts: list[HtmlElement]) -> str | None:
    """The longest HTML string (with paragraphs) in the scripts' JSON, decoded; or None."""
    best: str | None = None
    for script in scripts:
        text = script.text or ""
        if len(text) > MAX_SCRIPT or not any(mark in text for mark in _PARAGRAPH):
            continue
        for match in _STRING.finditer(text):
            raw = match.group(1)
            if not any(mark in raw for mark in _PARAGRAPH):
                continue
            try:
                value = json.loads(f'"{raw}"')
            except ValueError:
                continue
            if "<p" in value and (best is None or len(value) > len(best)):
                best = value
    return best
