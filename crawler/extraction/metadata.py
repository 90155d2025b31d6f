"""Title, canonical URL, image, tags, description and language of a page."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.metadata import extract_title

from crawler.extraction.page import Page, absolute, clean_space
from crawler.extraction.people import is_site_name, site_names

# Separators between a headline and the site's name in <title>/og:title; in scripts without
# spaces ("…警視庁逮捕：東京新聞デジタル", "…-정치ㅣ한국일보") they stand without them.
_SUFFIX = re.compile(r"^(?P<head>.+?)(?:\s+(?:[|–—«»:/*]|-|::)\s+|\s*[：｜ㅣ]\s*|(?<=\S)-(?=\w+ㅣ))"
                     r"(?P<tail>[^|–—：｜]+)$")
# Below this many characters langid is unreliable, and the page's own claim is preferred.
SHORT_TEXT = 400
SURE = 0.9


def _folded(text: str) -> str:
    """Lower-case letters and digits only, accents and umlauts spelled out ("Börsen-Zeitung",
    "boersen-zeitung.de" and "MDR.DE", "mdr.de" alike)."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isalnum())


def _is_own_name(tail: str, page: Page, own: set[str]) -> bool:
    if is_site_name(tail, own):
        return True
    folded = _folded(tail)
    return len(folded) >= 3 and any(folded in _folded(n) for n in own)


def _spaceless(text: str) -> str:
    return "".join(text.split())


def headings(page: Page) -> list[str]:
    """The page's <h1> texts: the headline as printed, for the title's cut."""
    return [h for el in page.tree.iter("h1") if (h := clean_space(el.text_content()))]


def strip_site_name(title: str, page: Page, printed: list[str] | None = None) -> str:
    """ "Nga và NATO … | Báo Dân trí" → "Nga và NATO …"; the site's name only, never a part
    of the headline ("Nga - Nhật …" keeps its dash). A cut whose head is the headline printed
    in an <h1> is made whatever the tail ("… - Samastipur News")."""
    own = site_names(page)
    printed = headings(page) if printed is None else printed
    spaceless = {_spaceless(h) for h in printed}  # "पकड़ा:दो" printed, "पकड़ा: दो" in og:title
    for _ in range(3):  # "Headline - Section | Site": the site, then the section
        m = _SUFFIX.match(title)
        if not m:
            break
        head = m["head"].strip()
        if not (_is_own_name(m["tail"], page, own) or _spaceless(head) in spaceless
                or re.match(r"^by\s", m["tail"].strip(), re.IGNORECASE)):
            break
        title = head
    return title


def title(page: Page) -> str | None:
    """Profile selectors → og:title → JSON-LD headline → twitter:title → trafilatura → <title>.
    (Measured on the Fundus pages and left out: the page's only <h1> where it differs, 107–113
    titles right against 117; JSON-LD before og:title, 118 with 19 others lost; a candidate
    equal to an <h1> first, 114; a vote among og:title, JSON-LD, twitter:title, <title> and the
    <h1>s, 114 (7 gained, 10 lost: as many publishers pick the og:title that nothing else on the
    page repeats as pick the headline <title> and <h1> repeat); the <h1>'s typographic quotes
    where og:title has the same words with straight ones, 117 (2 gained, 2 lost): which headline
    a publisher's parser reads is its choice.)"""
    candidates: list[str] = []
    if page.site:
        candidates += page.select_first(page.site.title_selectors)[:1]
    candidates += [page.meta_first("og:title") or ""]
    # JSON-LD is text, yet some CMSs write HTML entities into it ("&#8216;", "&quot;")
    candidates += [html.unescape(h) for h in page.jsonld_values("headline")
                   if isinstance(h, str)][:1]
    candidates += [page.meta_first("twitter:title") or ""]
    printed = headings(page)
    found = next((strip_site_name(c, page, printed) for c in map(clean_space, candidates) if c),
                 None)
    return found or strip_site_name(clean_space(extract_title(page.tree)), page, printed) or None


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
