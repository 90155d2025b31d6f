"""Real pages first: on pages nobody here wrote, the project is never worse than plain trafilatura.

``tests/real-html/expected.json`` holds each page's real URL, kind and, for articles, the
title, first and last sentence read off the page by hand (``tests/real-html/README.md``).
Each article is extracted by the project (with the site's profile where one owns the URL) and
by plain ``trafilatura.extract`` beside it; every field the hand labels give must be right in
the project's output, and none may be right in trafilatura's and wrong in the project's.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trafilatura

from crawler.extraction import extract

REAL = Path(__file__).resolve().parent / "real-html"
PAGES: list[dict[str, Any]] = json.loads((REAL / "expected.json").read_text(encoding="utf-8"))
ARTICLES = [p for p in PAGES if p["kind"] == "article"]
LISTINGS = [p for p in PAGES if p["kind"] == "listing"]
# The opening may follow a dateline or a site tag ("(Dân trí) - "); the ending may be
# followed by a short credit ("Theo TTXVN") but not by more article-sized text.
OPENING_SLACK = 80
ENDING_SLACK = 120


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Verdict:
    title: bool
    opening: bool
    ending: bool


def _judge(page: dict[str, Any], title: str | None, text: str | None) -> Verdict:
    body = _norm(text or "")
    first, last = _norm(page["first_sentence"]), _norm(page["last_sentence"])
    start, end = body.find(first), body.rfind(last)
    return Verdict(
        title=_norm(title or "") == _norm(page["title"]),
        opening=0 <= start <= OPENING_SLACK + (len(_norm(title or "")) if start else 0),
        ending=end >= 0 and len(body) - (end + len(last)) <= ENDING_SLACK,
    )


def _html(page: dict[str, Any]) -> str:
    return (REAL / page["file"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ARTICLES, ids=[p["file"] for p in ARTICLES])
def test_real_article_is_extracted_whole(page: dict[str, Any]) -> None:
    """Every field right, but for the page's ``known_gaps`` (each with its reason in
    expected.json), which must still be gaps: a fixed one is taken off the list."""
    html = _html(page)
    article = extract(html, page["url"])
    assert article is not None, "no article found on a real article page"
    project = _judge(page, article.title, article.text)
    gaps = set(page.get("known_gaps", {}))
    wrong = {f for f in ("title", "opening", "ending") if not getattr(project, f)}
    assert wrong == gaps, (project, article.title, article.text[:300], article.text[-300:])


@pytest.mark.parametrize("page", ARTICLES, ids=[p["file"] for p in ARTICLES])
def test_project_is_never_worse_than_plain_trafilatura(page: dict[str, Any]) -> None:
    html = _html(page)
    article = extract(html, page["url"])
    project = _judge(page, article and article.title, article and article.text)
    plain_doc = trafilatura.bare_extraction(html, url=page["url"], with_metadata=True)
    plain = _judge(page, plain_doc.title if plain_doc else None, trafilatura.extract(html))
    fields = ("title", "opening", "ending")
    worse = [f for f in fields if getattr(plain, f) and not getattr(project, f)]
    assert worse == [], f"plain trafilatura gets {worse} right, the project does not"


@pytest.mark.parametrize("page", LISTINGS, ids=[p["file"] for p in LISTINGS])
def test_real_listing_is_no_article(page: dict[str, Any]) -> None:
    assert extract(_html(page), page["url"]) is None


def test_every_real_page_has_its_source_recorded() -> None:
    for page in PAGES:
        host_dir = (REAL / page["file"]).parent
        sources = (host_dir / "SOURCES.md").read_text(encoding="utf-8")
        assert Path(page["file"]).name in sources, page["file"]
