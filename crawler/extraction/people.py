"""Authors are people; agencies and "Theo VOV" lines are source credits.

A news page names its sources in many places: a byline, JSON-LD ``author`` (often the
publisher itself), ``<meta name=author>`` (often the site's name), and the last lines of
the text ("Thành Đạt", "Theo Reuters"). Everything found is sorted into people (authors)
and credits (the source the story comes from): a credit is never an author.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from trafilatura.metadata import extract_author

from crawler.extraction.page import Page, clean_space

# A line or byline naming a source: "Theo VOV", "Nguồn: TTXVN", "(Theo Reuters)", "Source: AP".
CREDIT_PREFIX = re.compile(
    r"^\(?\s*(?:theo|nguồn|nguon|source|sources|šaltinis|via|according to)\b\s*:?\s*"
    r"(?P<src>.+?)\)?\.?$",
    re.IGNORECASE,
)
# News agencies and broadcasters that sign syndicated copy. Lower-case, matched as words.
AGENCIES = frozenset({
    "ttxvn", "vna", "afp", "reuters", "ap", "associated press", "vov", "vtv", "xinhua", "tass",
    "ria novosti", "sputnik", "bbc", "cnn", "bloomberg", "elta", "bns", "lrt", "vietnam+",
    "vietnamplus", "interfax", "kyodo", "yonhap", "dpa", "efe", "ansa", "ukrinform", "unian",
    "scanpix", "getty", "getty images", "epa", "anadolu", "al jazeera", "nhk", "kyodo news",
    "the guardian", "nytimes", "new york times", "washington post", "wsj", "ft", "cnbc",
    "ria", "rt", "itar-tass", "pti", "ani", "ians", "upi", "aap",
})
# After "Theo"/"Nguồn", a source is a name ("VOV", "Thời báo Hoàn cầu", "tờ Asahi"), not the
# start of a sentence ("Theo kế hoạch, …"): capitalised or a media noun, and short.
_MEDIA_NOUN = re.compile(r"^(?:tờ|báo|hãng|kênh|đài|tạp chí|trang|thông tấn xã)\s", re.IGNORECASE)
# A photo credit ("AFP/„Scanpix“ nuotr.", "Ảnh: Reuters") in a byline slot is still a source.
PHOTO_CREDIT = re.compile(r"(?:\bnuotr\.?|^ảnh\s*:|^photo\s*:|\bfoto\b)", re.IGNORECASE)
_COMBINED = re.compile(r"^(?P<name>[^()]+?)\s*\(\s*(?P<credit>(?:theo|nguồn|source)\b[^)]*)\)$",
                       re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bvà\b|\bir\b|\bund\b|\bet\b)\s*", re.IGNORECASE)
_BY = re.compile(r"^(?:by|bởi|tác giả|autorius|text|written by)\s*:?\s+", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"https?://|www\.|@|\d|[|<>{}=]")


def _words(text: str) -> str:
    return re.sub(r"[^\w+]+", " ", text.lower()).strip()


def is_credit(text: str, site_res: Iterable[re.Pattern[str]] = ()) -> bool:
    """True for a string naming a source (agency, "Theo …", a photo credit), not a person."""
    if any(r.search(text) for r in site_res):
        return True
    if m := CREDIT_PREFIX.match(text):
        src = m["src"]
        if len(src.split()) <= 6 and not re.search(r",\s*\w*[a-zđ]", src) and (
                src[:1].isupper() or src[:1].isdigit() or _MEDIA_NOUN.match(src)):
            return True
    if PHOTO_CREDIT.search(text):
        return True
    parts = [_words(p) for p in re.split(r"\s*[/,&]\s*|\s+-\s+", text)]
    parts = [p for p in parts if p]
    return bool(parts) and all(p in AGENCIES for p in parts)


def site_names(page: Page) -> set[str]:
    """The site's own names, which are never an author ("Dân Trí", "dantri.com.vn")."""
    names = {page.host, page.host.split(".")[0]}
    if page.site:
        names |= {_words(page.site.name), page.site.key}
        names |= {d for d in page.site.domains} | {d.split(".")[0] for d in page.site.domains}
    for key in ("og:site_name", "application-name", "twitter:site", "copyright", "publisher"):
        names |= {_words(v) for v in page.meta.get(key, [])}
    return {n for n in names if n}


def is_site_name(name: str, own: set[str]) -> bool:
    w = _words(name)
    squashed = w.replace(" ", "")
    return any(w == n or squashed == n.replace(" ", "") or (len(n) > 3 and n in w)
               or (len(w) >= 6 and w in n) for n in own)


def _jsonld_names(value: Any) -> list[str]:
    """Person names from a JSON-LD author value; organisations are skipped here."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            kind = item.get("@type")
            kinds = {k.lower() for k in (kind if isinstance(kind, list) else [kind])
                     if isinstance(k, str)}
            if "organization" in kinds or "newsmediaorganization" in kinds:
                continue
            if isinstance(item.get("name"), str):
                names.append(item["name"])
    return names


def raw_bylines(page: Page) -> list[str]:
    """Byline strings in order of trust: the profile's selectors, JSON-LD, meta, markup."""
    if page.site and (found := page.select_first(page.site.author_selectors)):
        return found
    for value in page.jsonld_values("author"):
        if names := _jsonld_names(value):
            return names
    for key in ("author", "article:author", "parsely-author", "sailthru.author", "byl",
                "dc.creator", "dcterms.creator"):
        if values := page.meta.get(key):
            return values
    found = [clean_space(el.text_content()) for el in page.tree.xpath(
        '//*[@rel="author" or @itemprop="author"][not(self::meta) and not(self::link)]')[:3]]
    if found := [f for f in found if f]:
        return found
    # Last, trafilatura's byline heuristics (class="author", "By …" lines …).
    byline = extract_author(page.tree)
    return [a.strip() for a in byline.split(";")] if byline else []


def sort_people(bylines: Iterable[str], page: Page) -> tuple[list[str], list[str]]:
    """Split bylines into (authors, credits): people on one side, sources on the other."""
    own = site_names(page)
    site_res = page.site.source_credit_res if page.site else ()
    authors: list[str] = []
    credits: list[str] = []
    for line in bylines:
        line = clean_space(line)
        if m := _COMBINED.match(line):
            line, credits = m["name"], [*credits, m["credit"]]
        if is_credit(line, site_res):
            credits.append(line)
            continue
        if is_site_name(line, own):  # before splitting: "Báo Thế giới và Việt Nam"
            continue
        for part in _SPLIT.split(_BY.sub("", line)):
            name = part.strip(" .:-–—")
            if not name or _NOT_A_NAME.search(name) or not 1 <= len(name.split()) <= 6:
                continue
            if is_site_name(name, own):
                continue
            if is_credit(name, site_res):
                credits.append(name)
            elif name.lower() not in {a.lower() for a in authors}:
                authors.append(name)
    return authors, credits


def looks_like_signature(line: str) -> bool:
    """A last line that is a name: "Thành Đạt", "Đức Hoàng" (2-4 capitalised words)."""
    words = line.split()
    if not 2 <= len(words) <= 4 or len(line) > 40 or _NOT_A_NAME.search(line):
        return False
    if line[-1] in ".!?:;,\"”»)":
        return False
    return all(w[0].isupper() for w in words if w[0].isalpha()) and all(
        w[0].isalpha() for w in words)
