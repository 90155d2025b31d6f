"""Generate a large web from the recorded pages, for the harvest benchmark.

Each seed site gets a few hundred article pages made from its recorded articles (the real
templates, boilerplate and text), each under a new URL of the site's own article shape, plus a
chain of plain listing pages linking to them in random order. Links inside an article are
rewritten to other generated articles with topical locality (a related page links to related
pages more often than chance), as on real news sites. The ground truth is the set of generated
URLs whose source article is labelled related.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html

from crawler.recorded_web.replay import RecordedWeb
from crawler.sites import SiteProfile, load_sites
from tests.labels import Label, load_labels

REPO = Path(__file__).resolve().parent.parent
LIST_SIZE = 20
_LAST_DIGITS = re.compile(r"(\d+)(?!.*\d)")


@dataclass
class ReplayedWeb:
    """A web written for replay: its pages under ``web/``, its seeds under ``seeds/``."""

    root: Path

    @property
    def web_dir(self) -> Path:
        return self.root / "web"

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"


@dataclass
class GeneratedWeb(ReplayedWeb):
    related: set[str] = field(default_factory=set)
    pages: int = 0
    articles: int = 0


def _new_url(source: str, number: int, site: SiteProfile) -> str:
    parts = urlsplit(source)
    path = parts.path
    match = _LAST_DIGITS.search(path.rsplit("/", 1)[-1])
    if match:
        digits = str(number).zfill(len(match.group(1)))[-len(match.group(1)):]
        head, _, tail = path.rpartition(match.group(1))
        candidate = head + digits + tail
    else:
        stem, dot, ext = path.rpartition(".")
        candidate = f"{stem}-{number}{dot}{ext}" if dot else f"{path}-{number}"
    url = f"https://{parts.hostname}{candidate}"
    if not site.is_article_url(url):
        raise ValueError(f"{site.key}: generated URL {url} does not look like an article")
    return url


def _file_for(web_dir: Path, url: str) -> Path:
    parts = urlsplit(url)
    return web_dir / (parts.hostname or "") / parts.path.lstrip("/")


def _rewrite(body: bytes, url: str, site: SiteProfile, pick: random.Random,
             titles: dict[str, str], related_targets: list[str], related: bool) -> bytes:
    doc = lxml.html.fromstring(body)
    targets = list(titles)
    curated = {id(a) for css in site.related_selectors for block in doc.cssselect(css)
               for a in block.iter("a")}
    for anchor in list(doc.iter("a")):
        href = anchor.get("href")
        if not href or not site.is_article_url(urljoin(url, href)):
            continue
        # Topical locality: a related page's related-articles block is mostly related (an
        # editor chose it); its other article links (latest news, most read) are anyone's.
        on_topic = related and id(anchor) in curated and pick.random() < 0.8
        pool = related_targets if on_topic else targets
        target = pick.choice(pool)
        anchor.set("href", target)
        # The anchor names its new target, as a site's own link would.
        for child in list(anchor):
            anchor.remove(child)
        anchor.text = titles[target]
    stale = "//link[@rel='canonical' or @rel='amphtml'] | //meta[@property='og:url']"
    for node in doc.xpath(stale):
        node.getparent().remove(node)
    head = doc.find("head")
    if head is not None:
        head.append(lxml.html.fromstring(f'<link rel="canonical" href="{url}">'))
    return lxml.html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")


def _listing(host: str, page: int, items: list[tuple[str, str]], last: bool) -> bytes:
    links = "\n".join(f'<li><a href="{u}">{t}</a></li>' for u, t in items)
    after = "" if last else f'<a class="bench-next" href="/bench/list-{page + 1}.html">Sau</a>'
    html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{host} {page}</title>'
            f'</head><body><ul class="bench-list">{links}</ul>{after}</body></html>')
    return html.encode("utf-8")


def _toml_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings and lists are valid TOML


def _write_profile(site: SiteProfile, path: Path) -> None:
    fields = {k: v for k, v in vars(site).items() if not k.startswith("_") and k != "path"}
    lines = [f"{k} = {_toml_value(list(v) if isinstance(v, tuple) else v)}"
             for k, v in fields.items() if v not in (None, (), "")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(root: Path, per_site: int = 420, related_share: float = 0.12,
             seed: int = 7) -> GeneratedWeb:
    """Write the generated web and a seeds dir whose profiles point at it."""
    if root.exists():
        shutil.rmtree(root)
    web = GeneratedWeb(root)
    pick = random.Random(seed)
    recorded = RecordedWeb(REPO / "tests" / "web")
    sites = load_sites(REPO / "seeds" / "sites")
    labels = load_labels()
    shutil.copytree(REPO / "seeds", web.seeds_dir, ignore=shutil.ignore_patterns("sites"))
    manifest = web.seeds_dir / "manifest.toml"
    # Start from the listings only, the same for both orders: no seed URL shortcuts.
    manifest.write_text(re.sub(r'(?m)^url = "[^"]*"', 'url = ""', manifest.read_text("utf-8")),
                        "utf-8")
    (web.seeds_dir / "sites").mkdir()
    for key, site in sorted(sites.items()):
        own: list[Label] = [label for label in labels if label.site == key]
        host = urlsplit(own[0].url).hostname or ""
        plan: list[tuple[str, Label]] = []
        for number in range(per_site):
            related = pick.random() < related_share
            source = pick.choice([label for label in own if label.related == related])
            plan.append((_new_url(source.url, 10_000 + number, site), source))
        titles = {u: src.title for u, src in plan}
        related_targets = [u for u, src in plan if src.related] or list(titles)
        for url, source in plan:
            body = _rewrite(recorded.get(source.url).body, url, site, pick, titles,
                            related_targets, source.related)
            path = _file_for(web.web_dir, url)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            if source.related:
                web.related.add(url)
        order = plan[:]
        pick.shuffle(order)
        pages = [order[i:i + LIST_SIZE] for i in range(0, len(order), LIST_SIZE)]
        for number, items in enumerate(pages, start=1):
            path = web.web_dir / host / "bench" / f"list-{number}.html"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_listing(host, number, [(u, s.title) for u, s in items],
                                      number == len(pages)))
        (web.web_dir / host / "robots.txt").write_text("User-agent: *\nDisallow: /print/\n")
        web.pages += len(plan) + len(pages)
        web.articles += len(plan)
        profile = replace(
            site, home=f"https://{host}/bench/list-1.html", sections=(), tag_pages=(), feeds=(),
            sitemaps=(), search_url=None, listing_link_selectors=("ul.bench-list a",),
            next_page_selectors=("a.bench-next",),
        )
        _write_profile(profile, web.seeds_dir / "sites" / f"{key}.toml")
    return web
