"""crawler.focus.frontier: link priorities for the focused crawl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.focus.frontier import BREADTH_FIRST, FrontierPolicy, link_priority, url_words
from crawler.focus.relevance import RelevanceModel
from crawler.seeds import load_seeds

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DANTRI = "https://dantri.com.vn"


@pytest.fixture(scope="module")
def model() -> RelevanceModel:
    return RelevanceModel.from_seeds(load_seeds(SEEDS_DIR))


def priority(model: RelevanceModel, url: str, anchor: str = "", *, block: str = "link",
             parent: float | None = 0.1, depth: int = 1, article: bool = True,
             policy: FrontierPolicy | None = None) -> int:
    kwargs: dict[str, Any] = {"policy": policy} if policy else {}
    return link_priority(anchor_text=anchor, url=url, block=block, parent_relevance=parent,
                         depth=depth, is_article_url=article, model=model, **kwargs)


def test_url_words_keeps_the_slug_only() -> None:
    url = (f"{DANTRI}/the-gioi/nga-va-nato-bat-ngo-nhom-hop-sau-2-nam-lanh-nhat"
           "-20160409101714155.htm")
    assert url_words(url) == "nga va nato bat ngo nhom hop sau 2 nam lanh nhat"
    lt = "https://www.15min.lt/naujiena/aktualu/pasaulis/japonija-ir-rusija-aptare-57-381865"
    assert url_words(lt) == "japonija ir rusija aptare"
    search = f"{DANTRI}/tim-kiem/nga+nhat.htm?pi=2"
    assert "nga nhat" in url_words(search, is_article_url=False)


def test_related_article_on_topic_goes_first(model: RelevanceModel) -> None:
    strong = priority(model, f"{DANTRI}/the-gioi/thu-tuong-abe-hoi-dam-tong-thong-putin-2016.htm",
                      "Thủ tướng Abe hội đàm Tổng thống Putin", block="related", parent=0.8)
    section = priority(model, f"{DANTRI}/the-gioi.htm", "Thế giới", block="section",
                       article=False)
    weak = priority(model, f"{DANTRI}/the-thao/leicester-vo-dich-ngoai-hang-anh-20160503.htm",
                    "Leicester vô địch Ngoại hạng Anh", block="link")
    assert strong > section > weak


def test_slug_alone_ranks_article_links(model: RelevanceModel) -> None:
    on_topic = priority(model, f"{DANTRI}/the-gioi/nga-va-nato-bat-ngo-nhom-hop-20160409.htm")
    off_topic = priority(model, f"{DANTRI}/the-gioi/gia-xang-tang-gan-500-dong-20160409.htm")
    assert on_topic > off_topic


def test_topic_tag_page_beats_plain_section_but_not_strong_article(model: RelevanceModel) -> None:
    tag = priority(model, f"{DANTRI}/chu-de/quan-he-nga-nhat-ban.htm", "Quan hệ Nga - Nhật Bản",
                   block="tag", article=False)
    section = priority(model, f"{DANTRI}/the-thao.htm", "Thể thao", block="section",
                       article=False)
    strong = priority(model, f"{DANTRI}/the-gioi/nga-rut-khoi-dam-phan-hiep-uoc-hoa-binh-voi-nhat"
                      "-ban-20190101.htm", "Nga rút khỏi đàm phán hiệp ước hòa bình với Nhật Bản",
                      block="related", parent=0.7)
    assert strong > tag > section


def test_parent_relevance_and_depth_count(model: RelevanceModel) -> None:
    url = f"{DANTRI}/the-gioi/tin-moi-20160409.htm"
    assert priority(model, url, parent=0.9) > priority(model, url, parent=0.1)
    assert priority(model, url, parent=None) == priority(model, url, parent=0.0)
    assert priority(model, url, depth=1) > priority(model, url, depth=4)


def test_seeds_go_before_everything(model: RelevanceModel) -> None:
    seed = priority(model, f"{DANTRI}/the-gioi/a-1.htm", block="seed", depth=0)
    best = priority(model, f"{DANTRI}/the-gioi/nga-nhat-ban-hiep-uoc-hoa-binh-putin-abe-1.htm",
                    "Nga Nhật Bản hiệp ước hòa bình Putin Abe", block="related", parent=1.0,
                    depth=0)
    assert seed > best


def test_breadth_first_policy_is_constant(model: RelevanceModel) -> None:
    urls = [f"{DANTRI}/the-gioi/nga-va-nato-1.htm", f"{DANTRI}/the-thao.htm"]
    values = {priority(model, u, "Nga và NATO", block=b, parent=p, depth=d, policy=BREADTH_FIRST)
              for u in urls for b in ("related", "section") for p in (0.0, 1.0) for d in (0, 5)}
    assert values == {0}


def test_unknown_block_is_an_error(model: RelevanceModel) -> None:
    with pytest.raises(ValueError, match="footer"):
        priority(model, f"{DANTRI}/a.htm", block="footer")


def test_off_topic_headline_in_a_related_block_waits_for_the_next_list_page(
    model: RelevanceModel,
) -> None:
    # A relevant page's related block also links to the day's other news: a headline that
    # names a Zika outbreak should not jump ahead of the list page that leads to new articles.
    zika = priority(
        model, f"{DANTRI}/suc-khoe/viet-nam-ghi-nhan-ca-nhiem-zika-20160405212203119.htm",
        "Việt Nam ghi nhận 2 ca nhiễm virus Zika đầu tiên", block="related", parent=0.7,
    )
    next_list = priority(model, f"{DANTRI}/the-gioi/trang-2.htm", "Trang sau",
                         block="section", article=False)
    on_topic = priority(
        model, f"{DANTRI}/the-gioi/nga-nato-hop-20160420213521436.htm",
        "Hội đồng Nga - NATO họp lần đầu tiên sau gần 2 năm", block="related", parent=0.7,
    )
    assert zika < next_list < on_topic
