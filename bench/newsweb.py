"""The look-alike web: two news portals (Vietnamese, Lithuanian) written for the benchmarks.

Unlike bench/webgen.py it shares neither templates nor texts with the recorded web: the markup
is its own, and its stories are hand-written (bench/newsweb/vi.toml, lt.toml): per language
22 related articles and 21 look-alikes (a seed's actor with a third country or bloc, one actor
alone, the seeds' names in sport, markets, culture and history), among a few hundred ordinary
articles (fillers.toml). Related articles are scattered over the sections, reachable through
tag and author pages whose teasers quote their lead, through paginated section lists and
through "related" boxes that mix on- and off-topic links. Article URLs take four shapes: a slug
with a numeric id, a bare number, a bare slug and a short opaque path.
"""

from __future__ import annotations

import html
import random
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.webgen import ReplayedWeb
from crawler.text.normalize import fold

REPO = Path(__file__).resolve().parent.parent
TEXTS = Path(__file__).resolve().parent / "newsweb"
PAGE_SIZE = 12
# Per portal: host, name, path words (page, tag, author), related/most-read box titles.
PORTALS = {
    "vi": ("thoibao24.vn", "Thời báo 24", "trang", "chu-de", "tac-gia", "Tin liên quan",
           "Đọc nhiều"),
    "lt": ("zinios24.lt", "Žinios 24", "puslapis", "zyme", "autorius", "Susiję straipsniai",
           "Skaitomiausi"),
}


@dataclass
class Story:
    language: str
    kind: str  # related | lookalike | filler
    section: str
    tags: list[str]
    author: str
    title: str
    paragraphs: list[str]
    published: date
    url: str = ""

    @property
    def teaser(self) -> str:
        # The lead's first sentence, as tag and author pages quote it.
        return re.split(r"(?<=[.!?])\s", self.paragraphs[0], maxsplit=1)[0]


@dataclass
class NewsWeb(ReplayedWeb):
    stories: list[Story] = field(default_factory=list)
    pages: int = 0

    def urls(self, kind: str, language: str | None = None) -> set[str]:
        return {s.url for s in self.stories
                if s.kind == kind and language in (None, s.language)}

    @property
    def start_urls(self) -> list[str]:
        return [f"https://{p[0]}/" for p in PORTALS.values()]

    @property
    def domains(self) -> list[str]:
        return [p[0] for p in PORTALS.values()]

    @property
    def spider_arguments(self) -> list[str]:
        """The spider's ``-a`` arguments: the portals' home pages, crawled with the generic
        profile."""
        return [f"start_urls={','.join(self.start_urls)}",
                f"allowed_domains={','.join(self.domains)}"]


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold(title).lower())
    return "-".join(words[:9])


def _url(story: Story, number: int, pick: random.Random) -> str:
    host, _, _, _, _, _, _ = PORTALS[story.language]
    shape = number % 4
    if shape == 0:  # a slug and a numeric id
        ext = ".html" if story.language == "vi" else ""
        path = f"/{story.section}/{_slug(story.title)}-{700_000 + number}{ext}"
    elif shape == 1:  # a bare number
        path = f"/{'a' if story.language == 'vi' else 'straipsnis'}/{900_000 + number}"
    elif shape == 2:  # a bare slug
        path = f"/{_slug(story.title)}" if story.language == "vi" else (
            f"/{story.section}/{_slug(story.title)}/")
    else:  # a short opaque path
        path = f"/{'s' if story.language == 'vi' else 'x'}/" + "".join(
            pick.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6))
    return f"https://{host}{path}"


def _load(language: str, fillers: int, pick: random.Random) -> list[Story]:
    written = tomllib.loads((TEXTS / f"{language}.toml").read_text(encoding="utf-8"))
    pool = tomllib.loads((TEXTS / "fillers.toml").read_text(encoding="utf-8"))[language]
    day0 = date(2019, 1, 1)
    stories = [
        Story(language, a["kind"], a["section"], a["tags"], a["author"], a["title"],
              [p.strip() for p in a["text"].strip().split("\n\n")],
              day0 + timedelta(days=pick.randrange(1500)))
        for a in written["article"]
    ]
    for _ in range(fillers):
        stories.append(Story(
            language, "filler", pick.choice(pool["sections"]),
            pick.sample(pool["tags"], 2), pick.choice(pool["authors"]),
            pick.choice(pool["titles"]),
            [" ".join(pick.sample(pool["sentences"], pick.randint(2, 3))) for _ in range(2)],
            day0 + timedelta(days=pick.randrange(1500)),
        ))
    return stories


def _page(language: str, title: str, body: str, next_url: str | None = None) -> bytes:
    host, name, *_ = PORTALS[language]
    head_next = f'<link rel="next" href="{next_url}">' if next_url else ""
    doc = (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
           f"<title>{html.escape(title)} | {name}</title>{head_next}</head><body>"
           f'<header class="masthead"><a class="logo" href="https://{host}/">{name}</a>'
           f"</header>{body}<footer><p>© {name}</p></footer></body></html>")
    return doc.encode("utf-8")


def _links(stories: list[Story]) -> str:
    return "".join(f'<li><a href="{s.url}">{html.escape(s.title)}</a></li>' for s in stories)


def _article_page(story: Story, related: list[Story], popular: list[Story],
                  nav: str) -> bytes:
    _, _, _, tag_word, author_word, related_title, popular_title = PORTALS[story.language]
    host = PORTALS[story.language][0]
    tags = "".join(f'<a class="tag" href="https://{host}/{tag_word}/{t}/">#{t}</a> '
                   for t in story.tags)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs[1:])
    body = (f"<nav>{nav}</nav><main><article><h1>{html.escape(story.title)}</h1>"
            f'<div class="meta"><a rel="author" href="https://{host}/{author_word}/'
            f'{story.author}/">{story.author.replace("-", " ").title()}</a> · '
            f'<time datetime="{story.published.isoformat()}">{story.published:%d.%m.%Y}'
            f'</time></div><p class="lead"><strong>{html.escape(story.paragraphs[0])}'
            f'</strong></p>{paragraphs}<div class="tags">{tags}</div></article>'
            f'<aside class="related"><h2>{related_title}</h2><ul>{_links(related)}</ul>'
            f'</aside><aside class="popular"><h2>{popular_title}</h2><ul>{_links(popular)}'
            f"</ul></aside></main>")
    return _page(story.language, story.title, body)


def _listing(web: NewsWeb, language: str, base: str, title: str, items: list[Story],
             nav: str) -> None:
    """A paginated list of teasers at ``base`` (a path ending in "/")."""
    host, _, page_word, *_ = PORTALS[language]
    chunks = [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        path = base if number == 1 else f"{base}{page_word}/{number}/"
        after = f"https://{host}{base}{page_word}/{number + 1}/" if number < len(chunks) else None
        teasers = "".join(
            f'<div class="teaser"><h3><a href="{s.url}">{html.escape(s.title)}</a></h3>'
            f"<p>{html.escape(s.teaser)}</p></div>" for s in chunk)
        more = f'<a class="next" href="{after}">»</a>' if after else ""
        body = f"<nav>{nav}</nav><main><h1>{html.escape(title)}</h1>{teasers}{more}</main>"
        _write(web, f"https://{host}{path}", _page(language, title, body, after))


def _write(web: NewsWeb, url: str, body: bytes) -> None:
    host, _, path = url.removeprefix("https://").partition("/")
    target = web.web_dir / host / (path + "index.html" if path.endswith("/") or not path
                                   else path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    web.pages += 1


def _seeds_without_urls(target: Path) -> None:
    # The crawl starts from the portals' home pages only; seed URLs would be other sites.
    shutil.copytree(REPO / "seeds", target)
    manifest = target / "manifest.toml"
    manifest.write_text(re.sub(r'(?m)^url = "[^"]*"', 'url = ""',
                               manifest.read_text("utf-8")), "utf-8")


def generate(root: Path, fillers: int = 400, seed: int = 11) -> NewsWeb:
    if root.exists():
        shutil.rmtree(root)
    web, pick = NewsWeb(root), random.Random(seed)
    _seeds_without_urls(web.seeds_dir)
    for language, portal in PORTALS.items():
        host, name, _, tag_word, author_word, _, _ = portal
        stories = _load(language, fillers, pick)
        pick.shuffle(stories)
        used: set[str] = set()
        for number, story in enumerate(stories):
            url = _url(story, number, pick)
            while url in used:  # two fillers under one headline: the site numbers the slug
                url = url.rstrip("/") + f"-{len(used)}" + ("/" if url.endswith("/") else "")
            used.add(url)
            story.url = url
        stories.sort(key=lambda s: s.published, reverse=True)
        web.stories.extend(stories)
        sections = sorted({s.section for s in stories})
        tags = sorted({t for s in stories for t in s.tags})
        nav = "".join(f'<a href="https://{host}/{s}/">{s}</a> ' for s in sections)
        by_tag = {t: [s for s in stories if t in s.tags] for t in tags}
        for story in stories:
            same = [s for t in story.tags for s in by_tag[t] if s is not story]
            # An editor's box: two stories sharing a tag, two of the day's others.
            related = pick.sample(same, min(2, len(same))) + pick.sample(stories, 2)
            _write(web, story.url, _article_page(story, related, pick.sample(stories, 5), nav))
        for section in sections:
            _listing(web, language, f"/{section}/", section,
                     [s for s in stories if s.section == section], nav)
        for tag, items in by_tag.items():
            _listing(web, language, f"/{tag_word}/{tag}/", f"#{tag}", items, nav)
        for author in sorted({s.author for s in stories}):
            _listing(web, language, f"/{author_word}/{author}/", author,
                     [s for s in stories if s.author == author], nav)
        cloud = "".join(f'<a href="https://{host}/{tag_word}/{t}/">#{t}</a> ' for t in tags)
        home = (f"<nav>{nav}</nav><main><h1>{name}</h1><ul class='latest'>"
                f"{_links(stories[:20])}</ul><div class='topics'>{cloud}</div></main>")
        _write(web, f"https://{host}/", _page(language, name, home))
        (web.web_dir / host / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return web


def describe(web: NewsWeb) -> dict[str, Any]:
    return {
        "pages": web.pages,
        "articles": len(web.stories),
        **{f"{kind}_{language}": len(web.urls(kind, language))
           for kind in ("related", "lookalike") for language in PORTALS},
    }
