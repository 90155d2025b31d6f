"""Two small news portals without a site profile, served on 127.0.0.1 by
tests/test_listing_pages.py: a Vietnamese one in the Dân trí manner and a Lithuanian one in
the 15min manner.

Each serves a few real articles (seed texts, at URLs of mixed shapes, one a short story of three
sentences) and every kind of listing a portal has: home, section front and its pages 2 and 3,
tag/topic page, event page ("dòng sự kiện", "siužetas"), author page, search results. The
listings carry what real ones carry, so the verdict cannot tell them by a missing detail:
teaser cards (image, headline link, excerpt, time) whose excerpts are the stories' own leads
and name the same actors (Nga, Nhật Bản, Kuril / Rusija, Japonija, Kurilų salos); breadcrumbs;
``og:type`` website or profile, and on some pages ``og:type`` article, as the Dân trí CMS prints
on its section pages (tests/real-html/dantri.com.vn); JSON-LD WebSite, CollectionPage, ItemList,
ProfilePage/Person, SearchResultsPage, BreadcrumbList where portals use them; teasers of stories
the portal no longer serves (404), as every archive has.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any

from tests.local_web import seed_paragraphs


@dataclass(frozen=True)
class Story:
    path: str
    title: str
    lead: str  # the sapo: printed above the body, and the excerpt of every teaser of the story
    paragraphs: tuple[str, ...]
    declares: str  # "og+jsonld", "og", "jsonld", "article-tag" or "nothing"
    time: str  # as the portal prints it
    iso: str


@dataclass
class Portal:
    lang: str
    name: str
    chrome: dict[str, str]  # the template's fixed parts, in the portal's language
    stories: list[Story]
    gone: list[tuple[str, str, str]]  # (path, title, excerpt) of teasers whose story 404s
    listings: dict[str, str] = field(default_factory=dict)  # kind -> path with query
    pages: dict[str, str] = field(default_factory=dict)  # path with query -> html


def _jsonld(data: dict[str, Any]) -> str:
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False)
    return f'<script type="application/ld+json">{text}</script>'


def _page(portal: Portal, path: str, title: str, og_type: str, body: str, extra: str = "") -> str:
    c = portal.chrome
    head = (
        f'<meta charset="utf-8"><title>{html.escape(title)} | {portal.name}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="canonical" href="{html.escape(path)}">'
        f'<meta property="og:site_name" content="{portal.name}">'
        + (f'<meta property="og:type" content="{og_type}">' if og_type else "")
        + f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="og:locale" content="{c["locale"]}">{extra}'
    )
    latest = "".join(
        f'<li><a href="{s.path}">{html.escape(s.title)}</a> <em class="time">{s.time}</em></li>'
        for s in portal.stories
    )
    return (
        f'<!DOCTYPE html><html lang="{portal.lang}"><head>{head}'
        '<link rel="stylesheet" href="/static/main.css"></head><body>'
        f'<header class="header"><a class="logo" href="/">{portal.name}</a>'
        f'<nav class="menu">{c["menu"]}</nav>'
        f'<form class="search" action="{c["search"]}"><input name="q"></form></header>'
        f'<main class="body container">{body}</main>'
        f'<aside class="sidebar"><div class="box box-latest"><h3>{c["latest"]}</h3>'
        f'<ul>{latest}</ul></div><div class="ads"><span>{c["ad"]}</span></div></aside>'
        f'<footer class="footer">{c["footer"]}</footer>'
        "<script>window.dataLayer = window.dataLayer || [];</script></body></html>"
    )


def _card(lang: str, path: str, title: str, excerpt: str, time: str, n: int) -> str:
    if lang == "lt":  # the 15min row (tests/web/www.15min.lt/tema): intro cut at a word, "..."
        intro = excerpt if len(excerpt) < 130 else excerpt[:130].rsplit(" ", 1)[0] + "..."
        return (
            f'<div class="article-row"><a href="{path}" class="article-img">'
            f'<img src="/images/photos/{n}/140x90.jpg" alt=""></a><h4><a href="{path}">'
            f'{html.escape(title)}</a></h4><p class="article-intro">{html.escape(intro)}</p>'
            f'<em class="article-date">{time}</em><p class="article-nfo"><a href="{path}'
            f'?comments" rel="nofollow">{n * 7 + 3}</a></p></div>'
        )
    # The Dân trí card (tests/real-html listing): image link, h3 headline link, excerpt link.
    return (
        f'<article class="article-item"><div class="article-thumb"><a href="{path}">'
        f'<img src="/img/2024/{n}.jpg" alt="{html.escape(title)}" width="252"></a></div>'
        f'<div class="article-content"><h3 class="article-title"><a href="{path}">'
        f'{html.escape(title)}</a></h3><div class="article-excerpt"><a href="{path}">'
        f'{html.escape(excerpt)}</a></div><time class="article-time">{time}</time></div></article>'
    )


def _rows(portal: Portal, order: list[int]) -> list[tuple[str, str, str, str]]:
    """(path, title, excerpt, time) of these stories: indexes into stories, then into gone."""
    rows = [(s.path, s.title, s.lead, s.time) for s in portal.stories]
    rows += [(p, t, e, portal.stories[i % len(portal.stories)].time)
             for i, (p, t, e) in enumerate(portal.gone)]  # fmt: skip
    return [rows[i % len(rows)] for i in order]


def _crumbs(portal: Portal, *trail: tuple[str, str]) -> tuple[str, str]:
    """The visible breadcrumb and its BreadcrumbList."""
    steps = [("/", portal.chrome["home"]), *trail]
    visible = "".join(f'<li><a href="{p}">{html.escape(n)}</a></li>' for p, n in steps)
    items = [{"@type": "ListItem", "position": i + 1, "name": n, "item": p}
             for i, (p, n) in enumerate(steps)]  # fmt: skip
    return f'<ul class="breadcrumbs">{visible}</ul>', _jsonld(
        {"@type": "BreadcrumbList", "itemListElement": items}
    )


def _list_page(
    portal: Portal, kind: str, path: str, title: str, og_type: str, schema: str,
    order: list[int], intro: str = "", crumbs: tuple[tuple[str, str], ...] = (),
    pager: str = "",
) -> None:  # fmt: skip
    visible, trail = _crumbs(portal, *crumbs)
    rows = _rows(portal, order)
    items = [{"@type": "ListItem", "position": i + 1, "url": row[0]} for i, row in enumerate(rows)]
    listed = {"@type": "ItemList", "itemListElement": items}
    data: dict[str, Any] = {"@type": schema, "name": title, "url": path, "mainEntity": listed}
    if schema == "ProfilePage":  # an author page's entity is the person, not the list
        data["mainEntity"] = {"@type": "Person", "name": title, "description": intro}
    elif schema == "WebSite":  # a home page's: the site and its search box
        data = {"@type": "WebSite", "name": portal.name, "url": "/", "potentialAction": {
            "@type": "SearchAction", "target": portal.chrome["search"] + "?q={q}"}}  # fmt: skip
    cards = "".join(_card(portal.lang, *row, n=i) for i, row in enumerate(rows))
    desc = f'<p class="description">{html.escape(intro)}</p>' if intro else ""
    body = (
        f'{visible}<h1 class="title-page">{html.escape(title)}</h1>{desc}'
        f'<div class="grid list">{cards}</div>{pager}'
    )
    portal.listings[kind] = path
    portal.pages[path] = _page(portal, path, title, og_type, body, trail + _jsonld(data))


def _article(portal: Portal, story: Story) -> str:
    c = portal.chrome
    head = ""
    if "og" in story.declares:
        head += '<meta property="og:type" content="article">'
    if "jsonld" in story.declares:
        author = {"@type": "Person", "name": c["author"]}
        head += _jsonld({"@type": "NewsArticle", "headline": story.title,
                         "datePublished": story.iso, "author": author})  # fmt: skip
    visible, trail = _crumbs(portal, (portal.listings["section"], c["section"]))
    text = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    tag = "article" if story.declares == "article-tag" else "div"
    related = "".join(f'<li><a href="{s.path}">{html.escape(s.title)}</a></li>'
                      for s in portal.stories if s != story)  # fmt: skip
    body = (
        f'{visible}<div class="event"><span class="label">{c["event_label"]}</span> '
        f'<a href="{portal.listings["event"]}">{c["event"]}</a></div>'
        f'<{tag} class="singular-container">'
        f'<h1 class="title-page detail">{html.escape(story.title)}</h1>'
        f'<div class="author-wrap"><a class="author-name" href="{portal.listings["author"]}">'
        f'{c["author"]}</a> <time datetime="{story.iso}">{story.time}</time></div>'
        f'<h2 class="singular-sapo">{html.escape(story.lead)}</h2>'
        f'<div class="singular-content">{text}</div></{tag}>'
        f'<ul class="tags-wrap"><li><a href="{portal.listings["tag"]}">{c["tag"]}</a></li></ul>'
        f'<section class="article-related"><h3>{c["related"]}</h3><ul>{related}</ul></section>'
    )
    og_type = "article" if "og" in story.declares else ""  # undeclared: no og:type at all
    return _page(portal, story.path, story.title, og_type, body, trail + head)


def build(portal: Portal, kinds: dict[str, tuple[str, str, str, str]]) -> Portal:
    """kinds: kind -> (path, title, og:type, schema.org type) of every listing."""
    c = portal.chrome
    p = {k: v[0] for k, v in kinds.items()}
    portal.listings.update(p)  # articles link to the tag, event and author pages
    section = (p["section"], c["section"])

    def pager(*pages: str) -> str:
        links = "".join(f'<a class="page-item" href="{q}">{n + 1}</a>' for n, q in enumerate(pages))
        last = f'<a class="page-item next" href="{pages[-1]}">»</a>'
        return f'<div class="pagination">{links}{last}</div>'

    paging = pager(p["section"], p["section page 2"], p["section page 3"])
    lists = {  # kind -> (teaser order, intro, breadcrumb trail, pagination)
        "home": ([0, 1, 2, 3, 4, 5, 6, 0, 1], "", (), ""),
        "section": ([0, 1, 2, 3, 4, 5], "", (), paging),
        "section page 2": ([4, 5, 6, 1, 2], "", (section,), paging),
        "section page 3": ([6, 3, 0, 5], "", (section,), paging),
        "tag": ([2, 0, 1, 5], "", (section,), ""),
        "event": ([0, 1, 2, 4, 6], c["event_intro"], (section,), ""),
        "author": ([1, 2, 0, 3, 5], c["bio"], (), ""),
        "search": ([1, 0, 2, 6, 4], c["found"], (), pager(p["search"], p["search"] + "&page=2")),
    }
    if "tag page 2" in p:
        lists["tag page 2"] = ([5, 6, 1], "", (section,), "")
        lists["tag"] = (lists["tag"][0], "", (section,), pager(p["tag"], p["tag page 2"]))
    for kind, (path, title, og_type, schema) in kinds.items():
        order, intro, crumbs, pages = lists[kind]
        if kind == "home":  # the front: a box per section, the hot topics, trending searches
            box = "".join(_card(portal.lang, *row, n=10 + i)
                          for i, row in enumerate(_rows(portal, [2, 5, 0])))  # fmt: skip
            pages = (f'<section class="box-category"><h2 class="box-title">'
                     f'<a href="{p["section"]}">{c["section"]}</a></h2>{box}</section>'
                     f'<div class="hot"><a href="{p["section"]}">{c["section"]}</a> '
                     f'<a href="{p["tag"]}">{c["tag"]}</a> <a href="{p["event"]}">{c["event"]}</a>'
                     f' <a href="{p["search"]}">{c["trending"]}</a></div>')  # fmt: skip
        _list_page(portal, kind, path, title, og_type, schema, order, intro, crumbs, pages)
    for story in portal.stories:
        portal.pages[story.path] = _article(portal, story)
    return portal


def seed_text(seed_file: str, *indexes: int) -> tuple[str, ...]:
    paragraphs = seed_paragraphs(seed_file)
    return tuple(paragraphs[i] for i in indexes)
