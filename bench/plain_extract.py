"""The throughput benchmark's second baseline: plain ``trafilatura.extract`` over the pages.

Run as its own process (``python -m bench.plain_extract DIR``), so that its CPU time counts
its start-up (imports, trafilatura's lazy parts) as the crawls' do. It reads every page of
the generated web under DIR (article and list pages, as both crawls fetch them), extracts
each with the library's defaults and prints how many gave text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import trafilatura


def pages(root: Path) -> list[Path]:
    """The web's HTML pages: not robots.txt, sitemaps or the generator's profiles."""
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and p.suffix not in (".txt", ".toml", ".xml"))


def main(root: str) -> None:
    found = sum(trafilatura.extract(path.read_bytes()) is not None for path in pages(Path(root)))
    print(found)


if __name__ == "__main__":
    main(sys.argv[1])
