"""The reading surfaces at 80 columns, and the counts every surface gives for one archive.

One demo archive (the recorded web, `crawler demo`), read as an operator would: the `crawler`
command in a subprocess with ``COLUMNS=80``; Datasette's row count in-process with the
project's metadata and plugins.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.search_archive import cli

pytestmark = pytest.mark.slow
SITES = ("15min", "baoquocte", "dantri", "huengaynay", "kinhtedothi")


@dataclass(frozen=True)
class Demo:
    db_url: str
    path: Path
    cwd: Path
    output: str  # what `crawler demo` printed

    def run(self, *args: str, columns: int = 80) -> str:
        result = cli(list(args), self.db_url, self.cwd, COLUMNS=str(columns))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    def sql(self, query: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.path) as db:
            return list(db.execute(query))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    workdir = tmp_path_factory.mktemp("width")
    path = workdir / "archive.db"
    db_url = f"sqlite:///{path}"
    result = cli(["demo"], db_url, workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return Demo(db_url, path, workdir, result.stdout)


def _fits(output: str, width: int = 80) -> list[str]:
    lines = output.splitlines()
    assert lines
    too_wide = [line for line in lines if len(line) > width]
    assert not too_wide, too_wide
    return lines


def test_runs_at_80_columns_keep_id_status_started_and_counts(demo: Demo) -> None:
    lines = _fits(demo.run("runs"))
    ((run_id, started, pages, new, updated, unchanged, duplicate, off_topic, errors),) = demo.sql(
        "select id, strftime('%Y-%m-%d %H:%M', started_at), pages_fetched, articles_new, "
        "articles_updated, articles_unchanged, articles_duplicate, articles_not_related, errors "
        "from crawl_runs")
    header = next(line for line in lines if line.lstrip().startswith("id "))
    assert header.split() == ["id", "started", "(UTC)", "status", "pages", "new", "ver.",
                              "unch.", "dup.", "off", "err."]
    (row,) = [line for line in lines if line.split()[:1] == [str(run_id)]]
    assert row.split() == [str(run_id), *str(started).split(), "ok",
                           *(str(n) for n in (pages, new, updated, unchanged, duplicate,
                                              off_topic, errors))]
    assert "crawler runs ID" in " ".join(lines)  # where the columns left out are
    # A terminal wide enough keeps the full table.
    wide = demo.run("runs", columns=160)
    assert "trigger" in wide and "off-topic" in wide and "│ demo " in wide


def test_site_list_at_80_columns_keeps_every_key_whole(demo: Demo) -> None:
    lines = _fits(demo.run("site", "list"))
    keys = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    assert set(SITES) <= {key for key in keys if key}


def test_show_at_80_columns_never_cuts_a_url(demo: Demo) -> None:
    ((article_id, url, canonical),) = demo.sql(
        "select id, url, canonical_url from v_articles where length(url) > 80 "
        "order by id limit 1")
    output = demo.run("show", str(article_id))
    lines = output.splitlines()
    # Each URL whole on its own line (the terminal wraps it, nothing folds or cuts it).
    assert any(line.split() == ["url", url] for line in lines), output
    assert any(line.split() == ["canonical", "url", canonical] for line in lines), output
    # The facts table around them fits.
    for label in ("site", "language", "relevance", "closest seed", "first seen"):
        (line,) = [x for x in lines if x.startswith(label + " ")]
        assert len(line) <= 80, line


def test_titles_cut_to_80_columns_end_with_an_ellipsis(demo: Demo) -> None:
    # The demo's table of archived articles, printed at the test's 120 columns.
    rows = [line for line in demo.output.splitlines() if line.startswith("│ ")]
    titles = [row.split("│")[5].strip() for row in rows]
    stored = {t for (t,) in demo.sql("select title from v_articles")}
    cut = [t for t in titles if t not in stored]
    assert cut, titles  # some titles are longer than their column
    assert all(t.endswith("…") and any(s.startswith(t[:-1].rstrip()) for s in stored)
               for t in cut), cut


def _datasette_rows(path: Path) -> int:
    from datasette.app import Datasette

    from crawler.read.browse import PLUGINS_DIR, metadata

    async def rows() -> int:
        ds = Datasette([str(path)], metadata=metadata(path.stem), plugins_dir=str(PLUGINS_DIR))
        response = await ds.client.get(f"/{path.stem}/v_articles.json?_size=1")
        assert response.status_code == 200, response.text
        return int(response.json()["filtered_table_rows_count"])

    return asyncio.run(rows())


def test_every_surface_counts_the_same_articles(demo: Demo) -> None:
    ((archived, near_duplicates),) = demo.sql("select count(*), count(duplicate_of) "
                                              "from v_articles")
    assert near_duplicates > 0  # the recorded web holds a near-duplicate: the case at issue
    originals = archived - near_duplicates
    # The demo's totals: every archived article, near-duplicates too.
    (totals,) = [x for x in demo.output.splitlines() if x.startswith("archive totals: ")]
    assert sum(int(n) for n in re.findall(r" (\d+)(?:,|$)", totals)) == archived
    # Datasette's Articles page: the same.
    assert _datasette_rows(demo.path) == archived
    # `crawler stats`: originals by default, and says how many are left out and why.
    first = demo.run("stats").splitlines()[:2]
    assert first == [f"{originals} articles ({archived} archived, {near_duplicates} of them "
                     f"{'a near-duplicate' if near_duplicates == 1 else 'near-duplicates'})",
                     "near-duplicates left out: --include-duplicates counts them"]
    assert demo.run("stats", "--include-duplicates").splitlines()[0] == (
        f"{archived} articles ({archived} archived, near-duplicates included)")
    report = json.loads(demo.run("stats", "--format", "json"))
    assert (report["total"], report["archived"]) == (originals, archived)
    # `crawler query`: the same two numbers.
    listing = demo.run("query", "--limit", "5").splitlines()
    assert listing[-2:] == [
        f"5 of {originals} matching articles",
        f"{near_duplicates} matching near-duplicate{'s' if near_duplicates != 1 else ''} "
        "left out: --include-duplicates shows them"]
    found = json.loads(demo.run("query", "--format", "json", "--include-duplicates"))
    assert found["total"] == archived


def test_show_gives_the_canonical_url_to_open_and_the_key_beside_it(demo: Demo) -> None:
    """15min.lt serves www.15min.lt: the canonical URL keeps www. (it opens as printed), the
    URL key the archive deduplicates on drops it, and `show` prints both, each whole."""
    ((article_id, canonical, key),) = demo.sql(
        "select id, canonical_url, url_key from v_articles where site = '15min' "
        "order by id limit 1")
    assert canonical.startswith("https://www.15min.lt/") and key == canonical.replace("www.", "", 1)
    lines = demo.run("show", str(article_id)).splitlines()
    assert any(line.split() == ["canonical", "url", canonical] for line in lines), lines
    assert any(line.split() == ["url", "key", key] for line in lines), lines
