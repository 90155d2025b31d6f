"""Authors are people; agencies and "Theo VOV" lines are source credits.

A news page names its sources in many places: a byline, JSON-LD ``author`` (often the
publisher itself), ``<meta name=author>`` (often the site's name), and the last lines of
the text ("Thành Đạt", "Theo Reuters"). Everything found is sorted into people (authors)
and credits (the source the story comes from): a credit is never an author.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from trafilatura.metadata import extract_author

from crawler.extraction.page import Page, clean_space, jsonld_types

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
PHOTO_CREDIT = re.compile(r"(?:\bnuotr\.?|^ảnh\s*:|^\(?(?:photo|image|bild)\s*:|\bfoto\b)",
                          re.IGNORECASE)
_COMBINED = re.compile(r"^(?P<name>[^()]+?)\s*\(\s*(?P<credit>(?:theo|nguồn|source)\b[^)]*)\)$",
                       re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bvà\b|\bir\b|\bund\b|\bet\b)\s*", re.IGNORECASE)
_BY = re.compile(r"^(?:by|bởi|tác giả|autorius|text|written by)\s*:?\s+", re.IGNORECASE)
_INITIALS = re.compile(r"\s*\((?:[a-z]{2,5}|[A-Z]{2,5})\.?\)$")
_TITLE_SUFFIX = re.compile(r"\s*(?:기자|특파원|記者|记者|特派員)$")
_SLUG = re.compile(r"^[a-z]+(?:-[a-z]+)+$")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.IGNORECASE)
_ORGANISATION_TYPES = frozenset({"organization", "newsmediaorganization", "corporation"})
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


def _person_name(item: dict[str, Any]) -> str | None:
    name = item.get("name")
    if isinstance(name, list):  # {"name": ["Anna Muster"]}
        name = next((n for n in name if isinstance(n, str)), None)
    if isinstance(name, str) and name.strip():
        return name
    # schema.org Person split in two, as some CMSs write it
    parts = [item.get(k) for k in ("givenName", "additionalName", "familyName")]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return joined or None


def _jsonld_names(value: Any) -> list[str]:
    """Person names from a JSON-LD author value; organisations are skipped here."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and not jsonld_types(item) & _ORGANISATION_TYPES and (
                name := _person_name(item)):
            names.append(name)
    return names


def jsonld_organisations(page: Page) -> list[str]:
    """Organisations the article's JSON-LD names as its author ("ORF.at", "dpa")."""
    found: list[str] = []
    for value in page.jsonld_values("author"):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and jsonld_types(item) & _ORGANISATION_TYPES and isinstance(
                    item.get("name"), str) and (name := clean_space(item["name"])):
                found.append(name)
    return found


def credit_name(credit: str) -> str:
    """The organisation a credit line names: "Theo VOV" → "VOV", "(Source: AP)" → "AP"."""
    if m := CREDIT_PREFIX.match(credit):
        return clean_space(m["src"]).strip(" .()")
    return clean_space(credit).strip(" .()")


_META_AUTHOR = ("author", "article:author", "parsely-author", "sailthru.author", "byl",
                "dc.creator", "dcterms.creator", "twitter:misc:written by")


def _resolved(value: Any, page: Page) -> Any:
    """JSON-LD author entries that point to a node elsewhere ({"@id": …}), replaced by it."""
    by_id = {n["@id"]: n for n in page.jsonld if isinstance(n.get("@id"), str)}
    items = value if isinstance(value, list) else [value]
    return [by_id.get(i.get("@id"), i) if isinstance(i, dict) and "name" not in i else i
            for i in items]


def byline_sources(page: Page) -> Iterator[list[str]]:
    """Byline strings, one source at a time in order of trust: the profile's selectors (alone,
    when they find anything), JSON-LD, meta, markup, trafilatura's byline heuristics."""
    if page.site and (found := page.select_first(page.site.author_selectors)):
        yield found
        return
    for value in page.jsonld_values("author"):
        yield _jsonld_names(_resolved(value, page))
    for key in _META_AUTHOR:
        yield page.meta.get(key, [])
    yield [f for el in page.tree.xpath(
        '//*[@rel="author" or @itemprop="author"][not(self::meta) and not(self::link)]')[:3]
        if (f := clean_space(el.text_content()))]
    # Last, trafilatura's byline heuristics (class="author", "By …" lines …).
    byline = extract_author(page.tree)
    yield [a.strip() for a in byline.split(";")] if byline else []


def find_people(page: Page) -> tuple[list[str], list[str], list[str]]:
    """(authors, credits, organisations named as author): the first source naming a person
    gives the authors; a source naming only the publisher or an agency ("nieuwsblad.be",
    "dpa") leaves them as organisations and the next source is asked."""
    credits: list[str] = []
    named: list[str] = []
    for found in byline_sources(page):
        if not found:
            continue
        authors, more = sort_people(found, page, named)
        credits += more
        if authors:
            return authors, credits, named
    return [], credits, named


def _tidy(name: str) -> str:
    """A byline's name as a name: initials suffix ("Elena Oberholzer (obe)"), title suffix
    ("신현주 기자") and URL slugs ("chuck-ross") taken off."""
    name = _INITIALS.sub("", name)
    name = _TITLE_SUFFIX.sub("", name).strip(" .:-–—")
    if _SLUG.match(name):
        name = " ".join(w.capitalize() for w in name.split("-"))
    return name


def sort_people(bylines: Iterable[str], page: Page,
                named: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Split bylines into (authors, credits): people on one side, sources on the other. The
    site's own name (or a domain) in a byline is no author; it goes to ``named`` if given."""
    own = site_names(page)
    site_res = page.site.source_credit_res if page.site else ()
    authors: list[str] = []
    credits: list[str] = []
    named = [] if named is None else named
    for line in bylines:
        line = clean_space(line)
        if m := _COMBINED.match(line):
            line, credits = m["name"], [*credits, m["credit"]]
        if is_credit(line, site_res):
            credits.append(line)
            continue
        # before splitting: "Báo Thế giới và Việt Nam"
        if is_site_name(line, own) or _DOMAIN.match(line):
            named.append(line)
            continue
        for part in _SPLIT.split(_BY.sub("", line)):
            name = _tidy(part.strip(" .:-–—"))
            if not name or _NOT_A_NAME.search(name) or not 1 <= len(name.split()) <= 6:
                continue
            if is_site_name(name, own):
                named.append(name)
            elif is_credit(name, site_res):
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


def organisations(credits: Iterable[str], named: Iterable[str], authors: list[str],
                  page: Page) -> list[str]:
    """Every credited organisation once, credit lines first ("Theo VOV" → "VOV"). The
    publisher named as author counts only when no person is named; photo credits and links
    are no organisation's credit for the story."""
    own = site_names(page)
    out: list[str] = []
    for name in [*(credit_name(c) for c in credits), *named]:
        if not name or PHOTO_CREDIT.search(name) or "://" in name or "www." in name:
            continue
        if authors and (is_site_name(name, own) or _DOMAIN.match(name)):
            continue
        if name.lower() not in {o.lower() for o in out}:
            out.append(name)
    return out
