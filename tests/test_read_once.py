"""One reading per page where the floor cannot win (crawler/extraction/floor.py ``settled``).

On a profiled site the profile's reading comes first; the general reading of the intact
page, the floor, is read only where what the profile dropped could make the floor win. These
tests check the rule on its own, and that reading once changes nothing the general reading
would have changed: on every recorded article and the real Dân trí pages, the article is
the same with the general reading forced on every page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

import crawler.extraction.pipeline as pipeline
from crawler.extraction import extract, extract_with_report, floor
from crawler.extraction.clean import Cleaned
from crawler.extraction.floor import SECOND_OPINION_CHARS, settled
from crawler.extraction.page import Page
from crawler.recorded_web.replay import RecordedWeb
from tests.conftest import WEB_DIR
from tests.labels import load_labels

REAL = Path(__file__).resolve().parent / "real-html" / "dantri.com.vn"
REAL_URL = ("https://dantri.com.vn/the-gioi/chien-thuat-cua-nga-khi-dua-50-xe-tang-sat-thu-"
            "chien-truong-toi-donbass-20221224083224103.htm")
STORY = [f"Câu thứ {n} của bài báo kể lại một sự kiện có thật với đủ chi tiết cần thiết."
         for n in range(1, 21)]
CAPTION = "Bức ảnh chụp đoàn xe tăng đang di chuyển qua một ngôi làng ở miền đông (Ảnh: Reuters)."


def _intact(before: str = "", after: str = "") -> Page:
    body = "".join(f"<p>{line}</p>" for line in STORY)
    return Page("https://example.com/a", lxml.html.fromstring(
        f"<html><body>{before}<article>{body}</article>{after}</body></html>"), None)


def test_settled_rules() -> None:
    long = Cleaned(list(STORY))
    assert long.chars >= SECOND_OPINION_CHARS
    # nothing dropped but links: the floor cannot win
    assert settled(long, [], _intact())
    # a short text: the floor's own cases (short stories, photo stories, listings)
    assert not settled(Cleaned(STORY[:3]), [], _intact())
    # dropped labels are no prose: they change nothing
    assert settled(long, ["Chia sẻ", "Bình luận"], _intact(after="<div>Chia sẻ</div>"))
    # dropped prose after the profile's first line, under the floor's share: settled
    assert settled(long, [CAPTION], _intact(after=f"<figcaption>{CAPTION}</figcaption>"))
    # the same prose before it: the general reading may open with it
    assert not settled(long, [CAPTION], _intact(before=f"<figcaption>{CAPTION}</figcaption>"))
    # dropped prose that could put the profile's text under FLOOR_SHARE of the general one
    captions = [f"{CAPTION} {n}" for n in range(20)]
    assert not settled(long, captions, _intact(after="".join(
        f"<figcaption>{c}</figcaption>" for c in captions)))
    # the first line not found on the page as printed: not settled
    assert not settled(Cleaned(["Một dòng không có trên trang này, đủ dài để là văn xuôi.",
                                *STORY]), [CAPTION],
                       _intact(after=f"<figcaption>{CAPTION}</figcaption>"))


@pytest.fixture
def general_readings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The URLs whose general reading ran, in order."""
    calls: list[str] = []
    reading = floor.general_reading

    def counted(page: Page, code: Any) -> tuple[str, bool]:
        calls.append(page.url)
        return reading(page, code)

    monkeypatch.setattr(pipeline, "general_reading", counted)
    yield calls


def test_the_real_article_is_read_once(general_readings: list[str]) -> None:
    result = extract_with_report(
        (REAL / "jaybmf_the-gioi_chien-thuat-cua-nga-50-xe-tang-20221224083224103.html")
        .read_bytes(), REAL_URL)
    assert result.article is not None and result.fallback is None
    assert general_readings == []


def _forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "floor_settled", lambda *args: False)


def test_reading_once_changes_no_recorded_or_real_page(
        monkeypatch: pytest.MonkeyPatch, general_readings: list[str]) -> None:
    web = RecordedWeb(WEB_DIR)
    pages = [(url, web.get(url)) for label in load_labels()
             for url in (label.url, *label.variants)]
    once = [extract(r.body, url, content_type=r.headers.get("Content-Type"))
            for url, r in pages]
    real = [(page["url"], (REAL.parent / page["file"]).read_bytes()) for page in json.loads(
        (REAL.parent / "expected.json").read_text(encoding="utf-8"))]
    once_real = [extract_with_report(body, url) for url, body in real]
    read = len(general_readings)
    _forced(monkeypatch)
    twice = [extract(r.body, url, content_type=r.headers.get("Content-Type"))
             for url, r in pages]
    assert once == twice
    assert [extract_with_report(body, url) for url, body in real] == once_real
    # what the rule is for: most recorded articles are read once
    assert read < len(pages) / 2, (read, len(pages))
