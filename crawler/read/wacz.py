"""``crawler export --format wacz``: the selected articles' captures as one WACZ, the package
ReplayWeb.page and Browsertrix open (https://specs.webrecorder.net/wacz/1.1.1/).

The ``wacz`` package from PyPI builds it: the CDXJ index, the ``datapackage.json`` with its
hashes and digest. What it is given: a WARC of the captures (the ``warc`` export, byte for
byte) and the page list, written here from the archive rather than guessed from the HTML: each
archived article is a page, under the URL its current version was fetched from, at the time it
was archived, with its title and its extracted text (ReplayWeb.page's full-text search reads
``text``). See docs/wacz.md.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from crawler.db import export_sql, search_sql
from crawler.errors import CrawlerError, ExportError

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles",
                "hasText": True}


def _write_pages(session: Any, sel: search_sql.Selection, path: Path, limit: int | None) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(PAGES_HEADER) + "\n")
        for row in export_sql.pages(session, sel, limit):
            page = {
                "id": f"article-{row['id']}",
                "url": row["url"],
                "ts": row["first_seen_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                "title": row["title"] or row["url"],
                "text": row["text"],
            }
            out.write(json.dumps(page, ensure_ascii=False) + "\n")


def to_wacz(
    session: Any, sel: search_sql.Selection, source: Path, output: Path, limit: int | None
) -> tuple[int, int, int]:
    """Write the WACZ of the captures in the WARC directory ``source``; (articles, captures
    copied, captures missing)."""
    from wacz.main import main as wacz_main  # type: ignore[import-untyped]

    from crawler.read.warc_copy import copy_captures

    try:
        scratch = tempfile.TemporaryDirectory(prefix="crawler-wacz-", dir=output.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror}") from exc
    with scratch as tmp:
        warc = Path(tmp) / f"{output.stem}.warc.gz"
        articles, captures, missing = copy_captures(session, sel, source, warc, limit)
        if captures == 0:
            raise ExportError("no capture of the selected articles was found: a WACZ would be "
                              f"empty (WARC directory: {source})")
        pages = Path(tmp) / "pages.jsonl"
        _write_pages(session, sel, pages, limit)
        log = io.StringIO()  # wacz prints its progress; the CLI says one line instead
        with contextlib.redirect_stdout(log):
            code = wacz_main(["create", "-o", str(output), "--pages", str(pages),
                              "--copy-pages", "--title", output.stem, str(warc)])
        if code != 0:
            output.unlink(missing_ok=True)
            last = log.getvalue().strip().splitlines()[-1:] or ["no message"]
            raise CrawlerError(f"the wacz package could not build {output}: {last[0]}")
    return articles, captures, missing
