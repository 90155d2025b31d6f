"""A script application's article page: the body is an empty mount point and the article
travels as HTML inside the page's hydration data (as Next.js sites such as Hankook Ilbo send
it). Extraction must find it there, and nothing is invented where no such data is."""

from __future__ import annotations

import html
import json

from crawler.extraction import extract_with_report
from tests.local_web import seed_paragraphs

STORY = seed_paragraphs("003_1cdc3babee419195.txt")
TITLE = "Nga và NATO bất ngờ nhóm họp sau 2 năm lạnh nhạt"


def _app_page(state: dict[str, object]) -> bytes:
    # The shape Next.js with a query cache prints: a push onto a global array, the JSON
    # escaped for a script (< as \u003c), and a body holding only the mount point.
    data = json.dumps(state, ensure_ascii=False).replace("<", "\\u003c")
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(TITLE)} | Tin Thế Giới</title>"
        '<meta property="og:type" content="article">'
        f'<meta property="og:title" content="{html.escape(TITLE)}">'
        '<script src="/_next/static/chunks/main-1a2b3c.js" defer></script>'
        f'<script>window["__RQ_R_1_"] = window["__RQ_R_1_"] || [];'
        f'window["__RQ_R_1_"].push({data});</script>'
        '</head><body><div id="__next"><header><a href="/">Tin Thế Giới</a></header>'
        "<main></main></div></body></html>"
    ).encode()


def test_the_article_in_the_hydration_data_is_extracted() -> None:
    content = ('<div class="editor-img-box"><img src="/i/1.jpg"><div class="caption"><p>Ảnh '
               "minh họa</p></div></div>$$ARTICLEAD$$"
               + "".join(f'<p class="editor-p">{html.escape(p)}</p>' for p in STORY))
    state = {"queries": [{"state": {"data": {"detail": {
        "articleId": "A2024030508300001", "title": TITLE, "contentHtml": content,
        "sectionName": "Thế giới"}}}}]}
    found = extract_with_report(_app_page(state), "https://tin.example/news/article/A2024",
                                sites=())
    assert found.article is not None, found.no_article
    assert found.article.text.startswith(STORY[0][:60])
    assert STORY[-1][-40:] in found.article.text


def test_a_script_page_without_an_article_in_its_data_has_no_article() -> None:
    # A home page's hydration data: a menu and a cookie notice, HTML with a paragraph but no
    # story. Read from the data, it is too little text to be an article.
    menu = "".join(f'<li class="menu-item"><a href="/{slug}">{name}</a></li>' for slug, name in (
        ("thoi-su", "Thời sự"), ("the-gioi", "Thế giới"), ("kinh-doanh", "Kinh doanh"),
        ("the-thao", "Thể thao"), ("giai-tri", "Giải trí"), ("suc-khoe", "Sức khỏe")))
    state = {"queries": [{"state": {"data": {
        "menuHtml": f'<ul class="menu">{menu}</ul>',
        "noticeHtml": '<div class="cookie"><p>Chúng tôi dùng cookie để cải thiện trải nghiệm '
                      'của bạn.</p><button>Đồng ý</button></div>' + "<!-- -->" * 20}}}]}
    found = extract_with_report(_app_page(state), "https://tin.example/", sites=())
    assert found.article is None
    assert found.no_article == "too little text"
