"""What a URL's shape says of its page: depth, slug, dates and ids, and the words of
listings, shops, forums and manuals (in the path or the host), as numbers for the page-kind
model (``structure.py``, ``page_kind.py``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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


def url_features(url: str) -> dict[str, float]:
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
