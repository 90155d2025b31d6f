"""Imitations of seed-site templates no real page here covers (tests/imitations/README.md):
title, first and last sentence right, and never worse than plain trafilatura's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trafilatura

from crawler.extraction import extract
from tests.test_real_pages import _judge

IMITATIONS = Path(__file__).resolve().parent / "imitations"
PAGES: list[dict[str, Any]] = json.loads((IMITATIONS / "expected.json").read_text("utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=[p["file"] for p in PAGES])
def test_imitated_templates_keep_title_and_both_ends(page: dict[str, Any]) -> None:
    html = (IMITATIONS / page["file"]).read_text(encoding="utf-8")
    assert "IMITATION" in html[:300]  # marked as what it is
    article = extract(html, page["url"])
    assert article is not None, "judged no article"
    ours = _judge(page, article.title, article.text)
    plain = _judge(page, None, trafilatura.extract(html))
    assert (ours.title, ours.opening, ours.ending) == (True, True, True), ours
    assert ours.ending or not plain.ending
    assert "(Ảnh:" not in article.text  # photo credits are not the story
    # the real page's related stories and "Dòng sự kiện" list after the article are not either
    assert not any(w in article.text for w in ("Lugansk", "Zelensky", "Dòng sự kiện", "Đọc thêm"))


def test_a_photo_story_keeps_every_caption() -> None:
    page = next(p for p in PAGES if "mu-cang-chai" in p["file"])
    html = (IMITATIONS / page["file"]).read_text(encoding="utf-8")
    article = extract(html, page["url"])
    assert article is not None
    assert len(article.text.splitlines()) == 9  # the lead and all eight captions
    assert "Đồi Mâm Xôi là điểm check-in quen thuộc" in article.text
