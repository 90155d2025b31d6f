"""`crawler export`: jsonl, csv, parquet, warc and sqlite, with the filters, on both backends;
the SQLite export is a working archive of its own (a PostgreSQL archive handed over as a file).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.errors import CrawlerError
from crawler.read.export import export
from crawler.read.query import Filters, search
from crawler.read.show import show
from tests.search_archive import DOCS, Archive, archive, cli, url_of  # noqa: F401

VI_SELECTION = Filters(text="Nhat Ban", languages=("vi",))  # danang and nhattri


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_and_csv_hold_the_selection(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    report = export(archive.url, VI_SELECTION, "jsonl", tmp_path / "a.jsonl")
    rows = _jsonl(tmp_path / "a.jsonl")
    assert report.articles == 2
    assert [r["id"] for r in rows] == sorted([archive.ids["danang"], archive.ids["nhattri"]])
    assert rows[0]["title"] == DOCS[0].title and rows[0]["published"] == "2016-05-07T02:10:00+00:00"
    assert "search_key" not in rows[0]
    export(archive.url, Filters(include_duplicates=True, seeds=("000",)), "csv", tmp_path / "b.csv")
    with (tmp_path / "b.csv").open(encoding="utf-8", newline="") as stream:
        table = list(csv.DictReader(stream))
    assert {r["id"] for r in table} == {str(archive.ids["danang"]), str(archive.ids["copy"])}
    copy = next(r for r in table if r["duplicate_of"])
    assert copy["text"] == DOCS[0].text.replace("hôm qua", "ngày 6/5")
    assert (copy["organisations"], copy["published_zone"], copy["published_zone_source"]) == (
        "TTXVN; AFP", "+07:00", "page")
    with pytest.raises(CrawlerError, match="already exists"):
        export(archive.url, VI_SELECTION, "jsonl", tmp_path / "a.jsonl")


def test_parquet(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # the parquet and test extras

    report = export(archive.url, Filters(languages=("lt",)), "parquet", tmp_path / "a.parquet")
    table = pq.read_table(tmp_path / "a.parquet")
    assert report.articles == table.num_rows == 2
    assert sorted(table.column("title").to_pylist()) == sorted([DOCS[3].title, DOCS[4].title])
    assert str(table.schema.field("published").type) == "timestamp[us, tz=UTC]"


def test_warc_holds_the_raw_captures(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "a.warc.gz"
    report = export(archive.url, VI_SELECTION, "warc", out, warc_dir=archive.warc_dir)
    assert (report.articles, report.captures, report.missing_captures) == (2, 3, 0)  # nhattri: 2
    with out.open("rb") as stream:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                    r.content_stream().read()) for r in ArchiveIterator(stream)]
    assert records[0][0] == "warcinfo"
    responses = [(uri, body) for kind, uri, body in records if kind == "response"]
    assert sorted(uri for uri, _ in responses) == sorted(
        [url_of(DOCS[0]), url_of(DOCS[1]), url_of(DOCS[1])])
    assert any("Văn kiện".encode() in body for _, body in responses)  # version 2's capture


def test_sqlite_export_is_a_working_archive(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "part.db"
    report = export(archive.url, Filters(seeds=("000", "001"), include_duplicates=True), "sqlite",
                    out)
    assert report.articles == 3
    part = f"sqlite:///{out}"
    found = {h.id for h in search(part, Filters(text="Đà Nẵng", include_duplicates=True)).hits}
    assert found == {archive.ids["danang"], archive.ids["copy"]}  # its own full-text index
    changed = show(part, str(archive.ids["nhattri"]), archive.warc_dir)
    assert [v.version for v in changed.versions] == [1, 2]
    assert changed.urls[url_of(DOCS[1]) + "?utm_source=rss"] == "variant"
    copy = show(part, str(archive.ids["copy"]), archive.warc_dir)
    assert copy.article["duplicate_of"] == archive.ids["danang"]
    # A near-duplicate whose original is left out loses the link, not the archive its keys.
    alone = tmp_path / "alone.db"
    export(archive.url, Filters(sites=("baoquocte",), include_duplicates=True), "sqlite", alone)
    orphan = show(f"sqlite:///{alone}", str(archive.ids["copy"]), archive.warc_dir)
    assert orphan.article["duplicate_of"] is None


def test_cli(archive: Archive, tmp_path: Path) -> None:  # noqa: F811
    out = cli(["export", "--format", "jsonl", "-q", "Rusija", "--since", "2014"], archive.url,
              tmp_path)
    assert out.returncode == 0, out.stderr
    assert [json.loads(x)["id"] for x in out.stdout.splitlines()] == [archive.ids["rusija"]]
    assert "exported 1 articles as jsonl to stdout" in out.stderr
    done = cli(["export", "--format", "sqlite", "-o", str(tmp_path / "x.db"), "--limit", "2"],
               archive.url, tmp_path)
    assert done.returncode == 0 and "exported 2 articles as sqlite" in done.stderr
    for args, message in (
        (["export", "--format", "warc"], "give it with --output"),
        (["export", "--format", "jsonl", "--site", "nope"], "unknown site 'nope'"),
        (["export", "--format", "jsonl", "--until", "2019-02-30"], "is not a date"),
        (["export", "--format", "csv", "-q", "NOT"], "needs a word after it"),
    ):
        bad = cli(args, archive.url, tmp_path)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr
        assert message in bad.stderr
