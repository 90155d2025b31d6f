"""The floor under every site profile: the profile's result may refine the general one (plain
trafilatura's), never lose to it. Short stories and photo stories are articles.

The pages are the real Dân trí article of December 2022 (tests/real-html) with its story
replaced: a short story, a photo story told in captions (which the profile drops as
boilerplate), and a list story whose items sit in a block the profile drops.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import lxml.html
import pytest

from crawler.extraction import extract, extract_with_report
from crawler.extraction.clean import Cleaned
from crawler.extraction.floor import floor
from crawler.sites import SiteProfile, load_site

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "tests" / "real-html" / "dantri.com.vn" / (
    "jaybmf_the-gioi_chien-thuat-cua-nga-50-xe-tang-20221224083224103.html")
URL = ("https://dantri.com.vn/the-gioi/chien-thuat-cua-nga-khi-dua-50-xe-tang-sat-thu-"
       "chien-truong-toi-donbass-20221224083224103.htm")
SENTENCES = [
    "Bộ Ngoại giao Nga ngày 23/12 cho biết Moscow sẵn sàng nối lại đối thoại với Tokyo.",
    "Người phát ngôn Maria Zakharova nói rằng hai bên cần tôn trọng lợi ích của nhau.",
    "Nhật Bản trước đó đã tham gia các biện pháp trừng phạt của phương Tây nhằm vào Nga.",
    "Quan hệ giữa hai nước trở nên căng thẳng kể từ khi xung đột tại Ukraine bùng phát.",
    "Hai nước chưa ký hiệp ước hòa bình kể từ khi Chiến tranh thế giới thứ hai kết thúc.",
    "Tranh chấp chủ quyền quần đảo ở phía nam Kuril vẫn là trở ngại lớn nhất hiện nay.",
    "Giới phân tích cho rằng một cuộc gặp cấp cao khó có thể diễn ra trong năm tới.",
]


@pytest.fixture(scope="module")
def dantri() -> SiteProfile:
    return load_site(REPO / "seeds" / "sites" / "dantri.toml")


def _page(body: str) -> bytes:
    """The real page with its story (div.singular-content) replaced by ``body``."""
    raw = PAGE.read_bytes()
    tree = lxml.html.fromstring(raw[raw.index(b"<!DOCTYPE"):])  # without the JSP directive
    content = tree.cssselect("div.singular-content")[0]
    for child in list(content):
        content.remove(child)
    content.text = None
    content.extend(el for el in lxml.html.fragments_fromstring(body) if not isinstance(el, str))
    return lxml.html.tostring(tree, encoding="utf-8")


def test_a_short_story_is_an_article(dantri: SiteProfile) -> None:
    story = "".join(f"<p>{s} {t}</p>" for s, t in itertools.pairwise(SENTENCES))
    assert 900 < len(lxml.html.fromstring(story).text_content()) < 1300  # ~1,000 characters
    result = extract_with_report(_page(story), URL, dantri)
    assert result.article is not None, result.no_article
    assert result.article.text.splitlines()[-1].endswith(SENTENCES[-1])
    assert SENTENCES[0] in result.article.text


def test_a_photo_story_told_in_captions_falls_back_to_the_general_result(
        dantri: SiteProfile) -> None:
    photos = "".join(
        f'<figure class="image align-center"><img src="https://icdn.dantri.com.vn/{n}.jpg" '
        f'alt=""><figcaption><p>{s}</p></figcaption></figure>' for n, s in enumerate(SENTENCES))
    result = extract_with_report(_page(f"<p>{SENTENCES[0]}</p>" + photos), URL, dantri)
    assert result.article is not None, result.no_article
    assert result.fallback in ("no text", "short")
    for sentence in SENTENCES[1:]:
        assert sentence in result.article.text  # the captions the profile drops are the story


def test_a_list_story_keeps_items_the_profile_drops(dantri: SiteProfile) -> None:
    intro = f"<p>{SENTENCES[0]} {SENTENCES[1]}</p>"
    items = "".join(f"<h2>{n}. Mục {n}</h2><p>{s} {s}</p>" for n, s in enumerate(SENTENCES, 1))
    # The template wraps an embedded list in a module block; the profile drops div[data-module].
    page = _page(f'{intro}<div data-module="list-story">{items}</div>')
    result = extract_with_report(page, URL, dantri)
    assert result.article is not None and result.fallback == "short"
    for sentence in SENTENCES:
        assert sentence in result.article.text


def test_the_real_page_needs_no_fallback(dantri: SiteProfile) -> None:
    result = extract_with_report(PAGE.read_bytes(), URL, dantri)
    assert result.article is not None and result.fallback is None
    assert extract(PAGE.read_bytes(), URL, dantri) == result.article


def test_the_real_listing_page_is_still_no_article() -> None:
    listing = PAGE.parent / "jaybmf_the-gioi_category-listing.jsp.html"
    result = extract_with_report(listing.read_bytes(), "https://dantri.com.vn/the-gioi.htm")
    assert result.article is None and result.no_article


def test_floor_rules() -> None:
    general = Cleaned(["Mở đầu của bài báo, câu đầu tiên có đủ sáu chữ.", *SENTENCES])
    # the profile's text is kept when it has what the general one has
    kept, why = floor(Cleaned(list(SENTENCES)), Cleaned(list(SENTENCES)))
    assert why is None and kept.lines == SENTENCES
    # nothing left: the general result
    assert floor(Cleaned([]), general) == (general, "no text")
    # much shorter: the general result
    assert floor(Cleaned(SENTENCES[:2]), general)[1] == "short"
    # the opening missing: put first
    merged, why = floor(Cleaned(list(SENTENCES)), general)
    assert why == "opening" and merged.lines == general.lines
    # a short label before the shared text is no opening
    labelled = Cleaned(["Thế giới", *SENTENCES])
    assert floor(Cleaned(list(SENTENCES)), labelled)[1] is None
