"""`crawler export --format wacz`: the demo archive as one WACZ that `wacz validate` passes and
ReplayWeb.page replays in a real browser.

ReplayWeb.page (the ``replaywebpage`` npm package: its prebuilt ``ui.js`` and ``sw.js``, put in
``.replaywebpage/package`` by .ci/run) is served on 127.0.0.1 (a secure context, as its
service worker needs) beside the WACZ; Debian's Chromium opens the chosen article in it, and
the replayed page is read from inside its frame.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.errors import CrawlerError
from crawler.read.export import export
from crawler.read.query import Filters
from tests.conftest import REPO_ROOT, _unavailable
from tests.search_archive import CHANGED_TEXT, DOCS, Archive, archive  # noqa: F401
from tests.test_serve_browser import CHROMIUM, KNOWN, Browser, _env

pytestmark = pytest.mark.slow
REPLAYWEBPAGE = REPO_ROOT / ".replaywebpage" / "package"
COMMAND = [sys.executable, "-c", "from crawler.cli import main; main()"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """The demo archive exported as a WACZ; its page list (header first)."""
    workdir = tmp_path_factory.mktemp("wacz")
    env = _env(f"sqlite:///{workdir / 'archive.db'}")
    demo = subprocess.run([*COMMAND, "demo"], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    done = subprocess.run([*COMMAND, "export", "--format", "wacz", "-o", "demo.wacz"],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    counts = re.search(r"exported (\d+) articles \((\d+) captures\) as wacz", done.stderr)
    assert counts and int(counts[1]) > 20 and int(counts[2]) >= int(counts[1]), done.stderr
    assert done.stdout == ""  # the wacz package's progress is not printed
    with zipfile.ZipFile(workdir / "demo.wacz") as wacz:
        lines = wacz.read("pages/pages.jsonl").decode().splitlines()
    pages = [json.loads(line) for line in lines]
    assert len(pages) == int(counts[1]) + 1
    return workdir / "demo.wacz", pages


def test_the_wacz_validates_and_lists_every_article(
    exported: tuple[Path, list[dict[str, Any]]]
) -> None:
    wacz, pages = exported
    check = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f",
                            str(wacz)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Validation succeeded" in check.stdout
    with zipfile.ZipFile(wacz) as package:
        names = set(package.namelist())
        datapackage = json.loads(package.read("datapackage.json"))
    assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdx.gz",
            "archive/demo.warc.gz"} <= names
    assert datapackage["wacz_version"] == "1.1.1"
    header, *articles = pages
    assert header["hasText"] is True
    # each archived article a page, with its title and its text (the full-text index)
    known = next(p for p in articles if p["title"] == KNOWN)
    assert known["url"].startswith("https://kinhtedothi.vn/")
    assert all(p["title"] and len(p["text"]) > 200 and p["ts"].endswith("Z") for p in articles)


class _RangeHandler(SimpleHTTPRequestHandler):
    """A static server that answers byte ranges (ReplayWeb.page reads a WACZ in ranges)."""

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        asked = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
        if asked is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        start, end = int(asked[1]), min(int(asked[2] or size - 1), size - 1)
        with open(path, "rb") as stream:
            stream.seek(start)
            data = stream.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def replay_site(exported: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> Iterator[str]:
    """ReplayWeb.page and the WACZ served on 127.0.0.1; yields the base URL."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    if not (REPLAYWEBPAGE / "sw.js").is_file():
        _unavailable(f"no ReplayWeb.page in {REPLAYWEBPAGE} (.ci/run fetches the npm package)")
    site = tmp_path / "site"
    site.mkdir()
    for name in ("index.html", "ui.js", "sw.js"):
        (site / name).symlink_to(REPLAYWEBPAGE / name)
    (site / "demo.wacz").symlink_to(exported[0])
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_RangeHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


# The text of the whole page, into every shadow root (ReplayWeb.page's UI is web components).
DEEP_TEXT = """(() => { const walk = (root) => [...root.querySelectorAll('*')]
  .filter(el => el.shadowRoot).map(el => walk(el.shadowRoot)).join(' ') + ' '
  + (root.textContent || ''); return walk(document); })()"""


def _frames(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node["frame"]
    for child in node.get("childFrames", []):
        yield from _frames(child)


def test_replaywebpage_replays_a_chosen_article(
    replay_site: str, exported: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    page = next(p for p in exported[1][1:] if p["title"] == KNOWN)
    ts = re.sub(r"\D", "", page["ts"])
    quoted = urllib.parse.quote
    url = (f"{replay_site}/?source={quoted(replay_site + '/demo.wacz', safe='')}"
           f"#view=replay&url={quoted(page['url'], safe='')}&ts={ts}")
    sentence = page["text"].split(".")[0]  # the article's first sentence, as archived
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(url)
        seen: tuple[str, str] = ("", "")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            frames = list(_frames(browser.send("Page.getFrameTree")["frameTree"]))
            replay = [f for f in frames if f"mp_/{page['url']}" in f["url"]]
            if replay:
                world = browser.send("Page.createIsolatedWorld", frameId=replay[0]["id"])
                result = browser.send(
                    "Runtime.evaluate", contextId=world["executionContextId"],
                    returnByValue=True, expression=(
                        "[document.title, document.body ? document.body.innerText : '']"))
                seen = tuple(result["result"]["value"])  # type: ignore[assignment]
                if KNOWN in seen[0] and sentence in seen[1]:
                    break
            time.sleep(0.5)
        browser.screenshot(tmp_path / "replay.png")
        assert KNOWN in seen[0], (seen[0], [f["url"] for f in frames])
        assert sentence in seen[1], seen[1][:2000]
        # served by ReplayWeb.page's service worker from the WACZ, not fetched from the site
        assert replay[0]["url"].startswith(f"{replay_site}/w/")
        assert browser.js("navigator.serviceWorker.controller !== null") is True
    finally:
        browser.close()


def test_wacz_of_a_selection_on_each_backend(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "vi.wacz"
    report = export(archive.url, Filters(text="Nhat Ban", languages=("vi",)), "wacz", out,
                    warc_dir=archive.warc_dir)
    assert (report.articles, report.captures, report.missing_captures) == (2, 3, 0)
    with zipfile.ZipFile(out) as package:
        _, *pages = [json.loads(x) for x in package.read("pages/pages.jsonl").splitlines()]
    # one page per article, its current version: nhattri's second text
    assert sorted(p["title"] for p in pages) == sorted([DOCS[0].title, DOCS[1].title])
    assert CHANGED_TEXT in [p["text"] for p in pages]
    check = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f",
                            str(out)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout
    with pytest.raises(CrawlerError, match=r"no capture of the selected articles was found"):
        export(archive.url, Filters(), "wacz", tmp_path / "none.wacz",
               warc_dir=tmp_path / "nowhere")
    assert not (tmp_path / "none.wacz").exists()
    with pytest.raises(CrawlerError, match=r"^cannot write .*missing/x.wacz: No such file"):
        export(archive.url, Filters(), "wacz", tmp_path / "missing" / "x.wacz")


def test_replaywebpage_finds_an_article_by_a_word_of_its_text(
    replay_site: str, exported: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The page list's full-text index: a word only the chosen article's text holds."""
    pages = exported[1][1:]
    page = next(p for p in pages if p["title"] == KNOWN)
    others = " ".join(p["title"] + " " + p["text"] for p in pages if p is not page).lower()
    word = next(w for w in re.findall(r"\w{6,}", page["text"])
                if w.lower() not in others and w.lower() not in page["title"].lower())
    url = (f"{replay_site}/?source={urllib.parse.quote(replay_site + '/demo.wacz', safe='')}"
           f"#view=pages&query={urllib.parse.quote(word)}")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(url)
        deadline, text, listed = time.monotonic() + 60, "", ["?"]
        while (KNOWN not in text or listed) and time.monotonic() < deadline:
            time.sleep(0.5)  # the list fills in as the index loads: wait for the search's
            text = browser.js(DEEP_TEXT)
            listed = [p["title"] for p in pages if p is not page and p["title"] in text]
        browser.screenshot(tmp_path / "pages.png")
    finally:
        browser.close()
    assert KNOWN in text, (word, text[-3000:])
    assert not listed, (word, listed)  # the search found this article alone
