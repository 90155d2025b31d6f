"""`crawler serve` in a real browser: the demo archive in Datasette, searched like a person.

Debian's headless Chromium (installed by .ci/run) is driven over the DevTools protocol on a
pipe (``--remote-debugging-pipe``: no port, no driver binary): open the articles page, type
a search into Datasette's search box, submit, read the rows.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, _unavailable

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KNOWN = "Hội nghị thượng đỉnh Nga - Nhật sẽ diễn ra vào cuối năm"  # kinhtedothi, seed 000


class Browser:
    """Just enough of the DevTools protocol: commands on fd 3, replies and events on fd 4."""

    def __init__(self, profile: Path) -> None:
        to_chrome, self._out = os.pipe()
        self._in, from_chrome = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome, from_chrome)]

        def fds() -> None:  # in the child: the pipe ends where Chromium looks for them
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--window-size=1280,1600", "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for fd in (to_chrome, from_chrome, *high):
            os.close(fd)
        self._buffer = b""
        self._id = 0
        self.session: str | None = None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        reply = self.wait(lambda m: m.get("id") == self._id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    def wait(self, wanted: Any, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if wanted(message):
                    return dict(message)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("the browser did not answer")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise RuntimeError("the browser went away")
            self._buffer += chunk

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"]
        self.send("Page.enable")
        self.navigate(lambda: self.send("Page.navigate", url=url))

    def navigate(self, action: Any) -> None:
        action()
        self.wait(lambda m: m.get("method") == "Page.loadEventFired")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot")["data"]))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        os.close(self._out)
        os.close(self._in)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(db_url: str) -> dict[str, str]:
    env = {**os.environ, "CRAWLER_DATABASE_URL": db_url, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("CRAWLER_REPLAY_DIR", None)
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo archive served by `crawler serve`; yields the articles page's URL."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    workdir = tmp_path_factory.mktemp("serve")
    db_url = f"sqlite:///{workdir / 'archive.db'}"
    command = [sys.executable, "-c", "from crawler.cli import main; main()"]
    demo = subprocess.run([*command, "demo"], cwd=workdir, env=_env(db_url),
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    port = _free_port()
    server = subprocess.Popen([*command, "serve", "--port", str(port)], cwd=workdir,
                              env=_env(db_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                server.kill()
                pytest.fail(f"crawler serve did not start: {output[-2000:]}")
            time.sleep(0.3)
    yield f"{base}/archive/v_articles"
    server.terminate()
    assert server.wait(timeout=20) == 0
    with pytest.raises(OSError):  # Datasette stopped with it
        urllib.request.urlopen(f"{base}/-/versions.json", timeout=2)


def test_search_page_finds_a_known_article(served: str, tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(served)
        assert browser.js("document.querySelector('h1').innerText").startswith("Articles")
        total = browser.js("document.querySelectorAll('table.rows-and-columns tbody tr').length")
        facets = browser.js("[...document.querySelectorAll('.facet-info')]"
                            ".map(f => f.getAttribute('data-column'))")
        assert {"site", "language", "seed"} <= set(facets)
        # Typed as a person would, Vietnamese diacritics and đ included.
        browser.js("document.querySelector('input[name=_search]').value = "
                   "'Hội nghị thượng đỉnh Nga Nhật'")
        browser.navigate(lambda: browser.js(
            "document.querySelector('input[name=_search]').form"
            ".querySelector('input[type=submit]').click()"))
        assert "_search=" in browser.js("location.href")
        rows = browser.js("[...document.querySelectorAll('table.rows-and-columns tbody tr')]"
                          ".map(r => r.innerText)")
        browser.screenshot(tmp_path / "search.png")
        assert any(KNOWN in row for row in rows), rows
        assert 0 < len(rows) < total
        # Without diacritics, the same article.
        browser.navigate(lambda: browser.send("Page.navigate",
                                              url=f"{served}?_search=hoi+nghi+thuong+dinh"))
        rows = browser.js("[...document.querySelectorAll('table.rows-and-columns tbody tr')]"
                          ".map(r => r.innerText)")
        assert any(KNOWN in row for row in rows), rows
    finally:
        browser.close()


def test_canned_query_related_to_seed(served: str) -> None:
    url = served.rsplit("/", 1)[0] + "/related_to_seed.json?seed=002&min_relevance=&_shape=array"
    with urllib.request.urlopen(url, timeout=10) as response:
        rows = json.load(response)
    assert rows and {r["site"] for r in rows} <= {"15min", "kinhtedothi"}
    assert "Santykių atšilimas" in " ".join(r["title"] for r in rows)


def test_articles_page_shows_rows_first_and_text_whole_on_the_article_page(
    served: str, tmp_path: Path
) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(served)
        # The rows start on the first screen of a laptop (800 px), not under 27 descriptions.
        top = browser.js("document.querySelector('table.rows-and-columns tbody tr')"
                         ".getBoundingClientRect().top")
        assert top < 800, top
        # The descriptions are still there, folded.
        folded = browser.js("[...document.querySelectorAll('details')].filter(d => "
                            "d.querySelector('dl.column-descriptions')).map(d => d.open)")
        assert folded == [False]
        assert "duplicate_of" in browser.js("document.querySelector('dl.column-descriptions')"
                                            ".textContent")
        # Each text cell: its beginning (300 characters at most) and a link to the article.
        cells = browser.js("[...document.querySelectorAll('td.col-text')].map(c => "
                           "[c.innerText, c.querySelector('a.full-text')?.href])")
        assert cells and all(len(text) <= 300 + len(" full text") for text, _ in cells), cells
        text, link = max(cells, key=lambda c: len(c[0]))
        assert text.endswith("… full text") and link, (text, link)
        # The article's page: the whole text, as the JSON API holds it.
        article_id = int(link.rsplit("id=", 1)[1])
        with urllib.request.urlopen(f"{served}.json?id={article_id}&_shape=array",
                                    timeout=10) as response:
            (row,) = json.load(response)
        browser.navigate(lambda: browser.send("Page.navigate", url=link))
        shown = browser.js("document.querySelector('div.full-text').innerText")
        browser.screenshot(tmp_path / "article.png")
        assert len(row["text"]) > 300
        assert " ".join(shown.split()) == " ".join(row["text"].split())
    finally:
        browser.close()
