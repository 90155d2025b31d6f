"""What a page is made of, as numbers: the inputs of the page-kind model (``page_kind.py``).

Measured on the intact tree (before any pre-cleaning) in one walk, plus the page's markup
claims and its URL's shape. Nothing here counts words or spaces: Chinese, Japanese and Thai
have none, so every length is in characters. Class and id tokens are read as CMSs write them
(in English on most of the world's templates: ``teaser``, ``pagination``, ``price``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extraction.page import ARTICLE_TYPES, Page, jsonld_types

# Markup tokens (class / id / itemprop, split on -_ and space) that mark a kind of block.
_TOKEN_GROUPS: dict[str, frozenset[str]] = {
    "tok_teaser": frozenset({"card", "cards", "teaser", "teasers", "tile", "tiles", "grid",
                             "feed", "listing", "list", "items", "story", "stories"}),
    "tok_pager": frozenset({"pagination", "pager", "paging", "paginate", "page", "pages",
                            "next", "prev", "previous", "loadmore", "more"}),
    "tok_product": frozenset({"price", "prices", "cart", "basket", "product", "products",
                              "sku", "shop", "checkout", "buy", "stock", "offer", "offers"}),
    "tok_forum": frozenset({"forum", "thread", "threads", "reply", "replies", "post", "posts",
                            "postbody", "message", "messages", "topic", "topics", "quote",
                            "signature", "username", "user", "avatar", "vote", "votes"}),
    "tok_docs": frozenset({"docs", "doc", "documentation", "toc", "api", "highlight",
                           "sidebar", "menu", "navigation", "nav", "version", "manual"}),
    "tok_article": frozenset({"article", "entry", "content", "body", "story", "byline",
                              "author", "published", "dateline", "headline", "lead",
                              "sapo", "caption", "figure"}),
    "tok_comment": frozenset({"comment", "comments", "disqus", "respond", "discussion"}),
    "tok_share": frozenset({"share", "social", "facebook", "twitter", "whatsapp", "print"}),
    "tok_form": frozenset({"form", "login", "signup", "register", "subscribe", "newsletter",
                           "contact", "search", "filter", "filters", "sort", "select"}),
}
_SPLIT = re.compile(r"[\s_\-]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SENTENCE_END = re.compile(r"[.!?。！？」”\"'»)…]\s*$")
_JSONLD_KINDS: dict[str, frozenset[str]] = {
    "ld_article": ARTICLE_TYPES,
    "ld_listing": frozenset({"collectionpage", "itemlist", "searchresultspage", "profilepage",
                             "sitenavigationelement", "blog"}),
    "ld_product": frozenset({"product", "offer", "aggregateoffer", "productgroup", "car",
                             "softwareapplication", "course", "book", "hotel", "service",
                             "localbusiness", "store", "restaurant", "event", "jobposting",
                             "recipe", "realestatelisting", "menu", "vehicle"}),
    "ld_forum": frozenset({"discussionforumposting", "qapage", "question", "answer",
                           "comment", "faqpage"}),
    "ld_docs": frozenset({"techarticle", "howto", "apireference", "softwaresourcecode"}),
    "ld_webpage": frozenset({"webpage", "aboutpage", "contactpage", "website", "organization"}),
}
_OG_KINDS = {"article": "og_article", "news": "og_article", "blog": "og_article",
             "website": "og_website", "product": "og_product", "profile": "og_profile"}
_URL_WORDS: dict[str, re.Pattern[str]] = {
    "url_listing": re.compile(r"(?:^|[/_.-])(?:tags?|topics?|category|categories|section|"
                              r"archives?|authors?|search|page|pages|chu-de|tag|tim-kiem|"
                              r"tac-gia|trang|zyme|temos?|autoriai|autorius|paieska|"
                              r"puslapis|rubrika|kategorija|index)(?:$|[/_.=-])", re.I),
    "url_product": re.compile(r"(?:^|[/_.-])(?:products?|shop|store|item|p|dp|buy|cart|"
                              r"pricing|plans?|collections?)(?:$|[/_.=-])", re.I),
    "url_forum": re.compile(r"(?:^|[/_.-])(?:forums?|threads?|topics?|community|questions?|"
                            r"discussions?|t|showthread|viewtopic|board)(?:$|[/_.=?-])", re.I),
    "url_docs": re.compile(r"(?:^|[/_.-])(?:docs?|documentation|api|reference|manual|guide|"
                           r"guides|help|support|kb|wiki|faq|learn|tutorials?)(?:$|[/_.=-])",
                           re.I),
    "url_article": re.compile(r"(?:^|[/_.-])(?:news|article|articles|story|stories|blog|"
                              r"posts?|tin-tuc|naujiena|naujienos|straipsnis|opinion)"
                              r"(?:$|[/_.=-])", re.I),
}
_HOST_WORDS: dict[str, re.Pattern[str]] = {
    "host_docs": re.compile(r"^(?:docs?|developers?|dev|api|help|support|kb|wiki|learn|guides?|"
                            r"manual|reference)\."),
    "host_forum": re.compile(r"^(?:forums?|community|bbs|discuss|discussions?|talk|answers|"
                             r"boards?)\."),
    "host_product": re.compile(r"^(?:shop|store|buy)\."),
    "host_article": re.compile(r"^(?:news|blogs?|magazine|mag)\."),
}
_URL_DATE = re.compile(r"/(?:19|20)\d{2}[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)|(?:19|20)\d{6}")
_URL_ID = re.compile(r"\d{5,}")


def _tokens(el: HtmlElement) -> set[str]:
    raw = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("itemprop"))))
    return {t for t in _SPLIT.split(_CAMEL.sub(" ", raw).lower()) if t}


MIN_REPEAT = 4  # siblings of one shape, each with a link: a list of teasers or products
MIN_CARDS = 2  # a list's last page may hold two cards


TEASER_LINK_CHARS = 15  # a headline link, not "more" or a menu word
TEASER_LINK_SHARE = 0.15  # of the block's text: an inline link in a paragraph is less


def _repeated_children(el: HtmlElement) -> list[HtmlElement]:
    """The children that share the most common shape (tag and class) and hold a link."""
    shapes: dict[tuple[str, str], list[HtmlElement]] = {}
    for child in el:
        if isinstance(child.tag, str) and (child.tag == "a" or child.find(".//a") is not None):
            shapes.setdefault((child.tag, child.get("class") or ""), []).append(child)
    return max(shapes.values(), key=len, default=[])


def _teaser_text(block: HtmlElement) -> str | None:
    """The block's text if it reads as a teaser: a headline link that is a fair share of it."""
    links = [block] if block.tag == "a" else block.iter("a")
    headline = max((len(a.text_content().strip()) for a in links), default=0)
    if headline < TEASER_LINK_CHARS:
        return None
    text = " ".join(block.text_content().split()).lower()
    return text if headline >= TEASER_LINK_SHARE * len(text) else None


def _url_features(url: str) -> dict[str, float]:
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    path = parts.path or "/"
    segments = [s for s in path.split("/") if s]
    last = segments[-1] if segments else ""
    stem = re.sub(r"\.\w{2,5}$", "", last)
    found = {name: float(bool(rx.search(path + ("?" + parts.query if parts.query else ""))))
             for name, rx in _URL_WORDS.items()}
    host = (parts.hostname or "").removeprefix("www.")
    found.update({name: float(bool(rx.search(host))) for name, rx in _HOST_WORDS.items()})
    return {
        **found,
        "url_depth": float(len(segments)),
        "url_root": float(not segments),
        "url_trailing_slash": float(path.endswith("/") and bool(segments)),
        "url_last_chars": float(len(stem)),
        "url_last_dashes": float(stem.count("-") + stem.count("_")),
        "url_date": float(bool(_URL_DATE.search(path))),
        "url_id": float(bool(_URL_ID.search(path))),
        "url_query": float(bool(parts.query)),
        "url_page_param": float(bool(re.search(r"(?:^|&)(?:p|page|pg|start|offset)=\d",
                                               parts.query))),
        "url_html": float(bool(re.search(r"\.(?:s?html?|php|aspx?|jsp|cms)$", last))),
    }


def _markup_features(page: Page) -> dict[str, float]:
    found = {name: 0.0 for name in (*_JSONLD_KINDS, "ld_date", "ld_author", "ld_body")}
    for node in page.jsonld:
        kinds = jsonld_types(node)
        for name, group in _JSONLD_KINDS.items():
            if kinds & group:
                found[name] = 1.0
        found["ld_date"] = max(found["ld_date"], float("datePublished" in node))
        found["ld_author"] = max(found["ld_author"], float("author" in node))
        found["ld_body"] = max(found["ld_body"], float("articleBody" in node))
    og = (page.meta_first("og:type") or "").lower().split(".")[0].split(":")[0]
    for name in ("og_article", "og_website", "og_product", "og_profile", "og_other"):
        found[name] = 0.0
    if og:
        found[_OG_KINDS.get(og, "og_other")] = 1.0
    meta = page.meta
    found["meta_published"] = float(any(k in meta for k in (
        "article:published_time", "datepublished", "pubdate", "publishdate", "date",
        "dc.date.issued", "og:published_time", "sailthru.date", "parsely-pub-date")))
    found["meta_author"] = float(any(k in meta for k in ("author", "article:author",
                                                         "dc.creator", "parsely-author")))
    found["meta_section"] = float("article:section" in meta or "article:tag" in meta)
    found["meta_next"] = 0.0
    for link in page.tree.iter("link"):
        rel = (link.get("rel") or "").lower()
        if rel in ("next", "prev", "previous"):
            found["meta_next"] = 1.0
    return found


@dataclass(frozen=True)
class Shape:
    """The page's structure as named numbers, and the text of its teaser blocks (the cards of
    a list: same-shape siblings each led by a headline link), lower-cased, one per line."""

    features: dict[str, float]
    teaser_text: str


def measure(page: Page) -> Shape:
    """The page's structure. Call on the intact tree."""
    counts: dict[str, float] = dict.fromkeys(_TOKEN_GROUPS, 0.0)
    n = dict.fromkeys(("a", "p", "li", "h1", "h2", "h3", "article", "time", "img", "form",
                       "input", "button", "select", "textarea", "table", "pre", "code",
                       "iframe", "video", "nav", "aside", "footer", "section", "figure",
                       "blockquote", "dl"), 0)
    text_chars = link_chars = p_chars = long_p = max_p = 0
    heading_links = heading_link_chars = sentence_ps = li_chars = 0
    repeat_groups = max_repeat = 0
    teasers: list[str] = []
    body = page.tree.find("body")
    root = body if body is not None else page.tree
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            continue
        if tag in n:
            n[tag] += 1
        if el.text and el.text.strip():
            length = len(el.text.strip())
            text_chars += length
        if el.tail and el.tail.strip():
            text_chars += len(el.tail.strip())
        if tag and (el.get("class") or el.get("id") or el.get("itemprop")):
            toks = _tokens(el)
            for name, group in _TOKEN_GROUPS.items():
                if toks & group:
                    counts[name] += 1
        if tag == "a":
            link_chars += len(el.text_content().strip())
        elif tag == "p":
            chars = len(el.text_content().strip())
            p_chars += chars
            max_p = max(max_p, chars)
            if chars >= 150:
                long_p += 1
                if _SENTENCE_END.search(el.text_content()):
                    sentence_ps += 1
        elif tag == "li":
            li_chars += len(el.text_content().strip())
        if len(el) >= MIN_CARDS:
            repeat = _repeated_children(el)
            if len(repeat) >= MIN_REPEAT:
                repeat_groups += 1
                max_repeat = max(max_repeat, len(repeat))
            found = [t for t in map(_teaser_text, repeat) if t]
            if len(found) >= MIN_CARDS:
                teasers.extend(found)
        if tag in _HEADINGS and tag != "h1":
            links = el.findall(".//a")
            if links:
                heading_links += 1
                heading_link_chars += sum(len(a.text_content().strip()) for a in links)
    total = max(text_chars, 1)
    features = {f"n_{k}": float(v) for k, v in n.items()}
    features.update(counts)
    features.update({
        "text_chars": float(text_chars),
        "link_share": link_chars / total,
        "p_share": p_chars / total,
        "li_share": li_chars / total,
        "long_p": float(long_p),
        "sentence_p": float(sentence_ps),
        "max_p": float(max_p),
        "heading_links": float(heading_links),
        "heading_link_share": heading_link_chars / total,
        "links_per_kchar": 1000.0 * n["a"] / total,
        "repeat_groups": float(repeat_groups),
        "max_repeat": float(max_repeat),
        "teaser_blocks": float(len(teasers)),
        "teaser_chars": float(sum(map(len, teasers))) / total,
        "title_chars": float(len((page.meta_first("og:title") or "")
                                 or (page.tree.findtext(".//title") or "").strip())),
    })
    features.update(_markup_features(page))
    features.update(_url_features(page.url))
    return Shape(features, "\n".join(teasers))


def in_teasers(lines: list[str], shape: Shape) -> float:
    """Share of the text in lines that are part of a teaser block's text."""
    chars = sum(map(len, lines))
    inside = sum(len(line) for line in lines
                 if len(line) >= TEASER_LINK_CHARS and " ".join(line.lower().split())
                 in shape.teaser_text)
    return inside / chars if chars else 0.0


def text_features(lines: list[str], shape: Shape, in_cards: float, teasers: int,
                  teaser_share: float,
                  dated: int, cut_short: int, inside_links: float, authors: int,
                  date_sources: set[str]) -> dict[str, float]:
    """The shape of the extracted text (after cleaning), beside the whole page's."""
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
        "body_teasers": float(teasers),
        "body_teaser_share": teaser_share,
        "body_dated_share": dated / count,
        "body_cut_share": cut_short / count,
        "body_inside_links": inside_links,
        "body_in_cards": in_cards,
        "authors": float(authors),
        "date_structured": float(bool(date_sources & {"jsonld", "meta"})),
        "date_visible": float(bool(date_sources & {"text", "time"})),
        "date_url": float("url" in date_sources),
    }
