"""Title, canonical URL, image, tags, description and language of a page."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.metadata import extract_title

from crawler.extraction.page import Page, absolute, clean_space
from crawler.extraction.people import is_site_name, site_names

# Separators between a headline and the site's name in <title>/og:title.
_SUFFIX = re.compile(r"^(?P<head>.+?)\s+(?:[|–—«»:/]|-|::)\s+(?P<tail>[^|–—]+)$")
# Below this many characters langid is unreliable, and the page's own claim is preferred.
SHORT_TEXT = 400
SURE = 0.9


def strip_site_name(title: str, page: Page) -> str:
    """ "Nga và NATO … | Báo Dân trí" → "Nga và NATO …"; the site's name only, never a part
    of the headline ("Nga - Nhật …" keeps its dash)."""
    own = site_names(page)
    for _ in range(2):  # "Headline - Section | Site": the site, then nothing else
        m = _SUFFIX.match(title)
        if not m or not is_site_name(m["tail"], own):
            break
        title = m["head"].strip()
    return title


def title(page: Page) -> str | None:
    """Profile selectors → og:title → JSON-LD headline → twitter:title → trafilatura → <title>."""
    candidates: list[str] = []
    if page.site:
        candidates += page.select_first(page.site.title_selectors)[:1]
    candidates += [page.meta_first("og:title") or ""]
    candidates += [h for h in page.jsonld_values("headline") if isinstance(h, str)][:1]
    candidates += [page.meta_first("twitter:title") or ""]
    for value in candidates:
        if value := clean_space(value):
            return strip_site_name(value, page)
    return strip_site_name(clean_space(extract_title(page.tree)), page) or None


def canonical_url(page: Page) -> str | None:
    for link in page.tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and (found := absolute(page.url, link.get("href"))):
            return found
    for value in [page.meta_first("og:url"), *page.jsonld_values("url")]:
        if isinstance(value, str) and (found := absolute(page.url, value)):
            return found
    return None


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def image(page: Page) -> str | None:
    for value in [page.meta_first("og:image:secure_url", "og:image", "og:image:url",
                                  "twitter:image", "twitter:image:src"),
                  *(_image_url(v) for v in page.jsonld_values("image"))]:
        if found := absolute(page.url, value):
            return found
    return None


def description(page: Page) -> str | None:
    found = page.meta_first("og:description", "description", "twitter:description")
    if not found:
        found = next((d for d in page.jsonld_values("description") if isinstance(d, str)), None)
    return clean_space(found) or None


def tags(page: Page) -> list[str]:
    """Profile selectors → JSON-LD keywords → article:tag / news_keywords. Plain
    <meta name=keywords> is left out: on news sites it is SEO filler ("Đọc báo, …")."""
    found: list[str] = []
    if page.site:
        found = page.select_first(page.site.tag_selectors)
    if not found:
        for value in page.jsonld_values("keywords"):
            found += value if isinstance(value, list) else str(value).split(",")
    if not found:
        found = page.meta.get("article:tag", [])
        for value in page.meta.get("news_keywords", []):
            found += value.split(",")
    out: list[str] = []
    for tag in found:
        tag = clean_space(str(tag)).strip("#")
        if tag and tag.lower() not in {t.lower() for t in out}:
            out.append(tag)
    return out


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def warm_up() -> None:
    """Load the language model (≈0.4 s, once) before any time limit starts counting."""
    _identifier()


def detect_language(text: str) -> tuple[str, float]:
    lang, prob = _identifier().classify(text[:1500])  # enough for a verdict; cost grows
    return str(lang), float(prob)


def language(text: str, declared: str | None, site_language: str | None) -> str | None:
    """langid's verdict, unless the text is short or langid unsure and the page (or the
    profile) says otherwise: then the declaration wins."""
    if not text:
        return declared or site_language or None
    lang, prob = detect_language(text)
    claimed = declared or site_language or None
    if claimed and lang != claimed and (len(text) < SHORT_TEXT or prob < SURE):
        return claimed
    return lang
