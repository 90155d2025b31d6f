"""One parsed page and the lookups every metadata step shares (meta tags, JSON-LD, CSS)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement
from parsel.csstranslator import HTMLTranslator

from crawler.sites import SiteProfile

_SPACES = re.compile(r"\s+")
# JSON-LD types that describe the article itself (not the site, a breadcrumb or a video).
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
    "scholarlyarticle", "techarticle", "report", "posting", "socialmediaposting",
})


_CSS = HTMLTranslator()  # parsel's, with its ::text and ::attr(name) pseudo-elements


@lru_cache(maxsize=1024)
def _compiled(css: str) -> XPath | None:
    try:
        return XPath(_CSS.css_to_xpath(css), smart_strings=False)
    except Exception:  # cssselect raises several types for a malformed expression
        return None


def css_select(root: HtmlElement, query: str) -> list[Any]:
    """What parsel's ``Selector(root=root).css(query)`` selects, unwrapped (elements, or
    strings for ``::text`` / ``::attr``), compiled once per selector: profiles run the same
    few selectors on every page. A malformed selector selects nothing."""
    compiled = _compiled(query)
    return list(compiled(root)) if compiled is not None else []


# Scripts written without spaces between words (Thai, kana, Han): a space-split count sees a
# whole clause as one word there.
UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
UNSPACED_CHARS_PER_WORD = 2  # a Chinese or Japanese word averages under two characters


def word_count(text: str) -> int:
    """Words in any script: space-separated words, an unspaced script's characters by pairs."""
    unspaced = len(UNSPACED.findall(text))
    spaced = len(UNSPACED.sub(" ", text).split())
    return spaced + -(-unspaced // UNSPACED_CHARS_PER_WORD)


def clean_space(text: str | None) -> str:
    """NFC, one space between words, no ends. Vietnamese arrives decomposed from some CMSs."""
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def absolute(base: str, link: str | None) -> str | None:
    """An http(s) URL resolved against the page, or None for anything else."""
    if not link or not link.strip():
        return None
    try:
        resolved = urljoin(base, link.strip())
    except ValueError:
        return None
    return resolved if urlsplit(resolved).scheme in ("http", "https") else None


def jsonld_types(node: dict[str, Any]) -> set[str]:
    """A JSON-LD node's @type values, lower-cased (one or a list)."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in node:
                yield from _walk(node[key])


@dataclass
class Page:
    """The parsed page. ``tree`` is changed in place by pre-cleaning; read what must survive
    pre-cleaning (related headlines) before it runs."""

    url: str
    tree: HtmlElement
    site: SiteProfile | None
    _memo: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def remember(self, selectors: tuple[str, ...]) -> None:
        """Evaluate selectors now, on the intact tree: a profile may drop as boilerplate the
        very block its author or date selector reads (dantri's ``div.author-wrap``)."""
        for css in selectors:
            self._memo[css] = self._select(css)

    def select(self, css: str) -> list[str]:
        """Values of a profile selector: ``::attr(x)``/``::text`` give strings, a bare
        selector gives each element's whole text. Bad selectors select nothing."""
        if css in self._memo:
            return self._memo[css]
        return self._select(css)

    def _select(self, css: str) -> list[str]:
        values = []
        for root in css_select(self.tree, css):
            text = root.text_content() if isinstance(root, HtmlElement) else str(root)
            if text := clean_space(text):
                values.append(text)
        return values

    def select_first(self, selectors: tuple[str, ...]) -> list[str]:
        """The values of the first selector that finds anything."""
        for css in selectors:
            if values := self.select(css):
                return values
        return []

    @cached_property
    def meta(self) -> dict[str, list[str]]:
        """<meta> contents by lower-cased name/property/itemprop/http-equiv, in page order."""
        found: dict[str, list[str]] = {}
        for el in self.tree.iter("meta"):
            content = el.get("content")
            if content is None or not content.strip():
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                if key := (el.get(attr) or "").strip().lower():
                    found.setdefault(key, []).append(clean_space(content))
        return found

    def meta_first(self, *keys: str) -> str | None:
        for key in keys:
            if values := self.meta.get(key):
                return values[0]
        return None

    @cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object, article objects first. Broken JSON is skipped, not fatal."""
        nodes: list[dict[str, Any]] = []
        for script in self.tree.iter("script"):
            if (script.get("type") or "").strip().lower() != "application/ld+json":
                continue
            raw = (script.text or "").strip().removeprefix("<!--").removesuffix("-->")
            try:
                data = json.loads(raw, strict=False)
            except ValueError:
                continue
            nodes.extend(_walk(data))
        nodes.sort(key=lambda n: not (jsonld_types(n) & ARTICLE_TYPES))
        return nodes

    @cached_property
    def article_jsonld(self) -> list[dict[str, Any]]:
        return [n for n in self.jsonld if jsonld_types(n) & ARTICLE_TYPES]

    def jsonld_values(self, key: str, article_only: bool = True) -> list[Any]:
        nodes = self.article_jsonld if article_only else self.jsonld
        return [n[key] for n in nodes if n.get(key) not in (None, "", [])]

    @cached_property
    def declared_language(self) -> str | None:
        """ISO 639-1 code the page claims: <html lang>, og:locale, content-language, JSON-LD."""
        candidates = [
            self.tree.get("lang") or self.tree.get("xml:lang"),
            self.meta_first("og:locale", "content-language", "language", "dc.language"),
            *[v for v in self.jsonld_values("inLanguage") if isinstance(v, str)],
        ]
        for value in candidates:
            code = re.split(r"[-_]", (value or "").strip().lower())[0]
            if len(code) == 2 and code.isalpha():
                return code
        return None

    @cached_property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower().removeprefix("www.")
