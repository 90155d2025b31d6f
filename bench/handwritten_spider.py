"""The throughput benchmark's main baseline: the pipeline a user writes in an afternoon.

A Scrapy spider that follows the same links as bench/plain_spider.py (each site's first list
page, then list pages and the sites' article URLs), reads every page it fetches with
``trafilatura.bare_extraction(..., with_metadata=True)`` in ``parse`` and inserts one row per
article (every page trafilatura finds text on) into SQLite through SQLAlchemy's ORM, in one
process. Rows are committed 200 at a time, as the project's crawl in the benchmark commits
its batches (``CRAWLER_STORE_BATCH_SIZE``): a commit per row would make the baseline wait on
the disk, not on its CPU.

Run with ``scrapy runspider`` outside the project (none of its settings, middlewares or
pipelines load); ``BENCH_DATABASE_URL`` names the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import scrapy
import trafilatura
from scrapy.http import Response
from sqlalchemy import Integer, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from trafilatura.settings import Document

from bench.plain_spider import PlainSpider

COMMIT_EVERY = 200


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String)
    title: Mapped[str | None] = mapped_column(String)
    author: Mapped[str | None] = mapped_column(String)
    published: Mapped[str | None] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)


class HandwrittenSpider(PlainSpider):
    """PlainSpider's links, each page read by trafilatura and stored as a row."""

    name = "handwritten"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        engine = create_engine(os.environ["BENCH_DATABASE_URL"])
        Base.metadata.create_all(engine)
        self.session = Session(engine)
        self.pending = 0

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        doc = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
        if isinstance(doc, Document) and doc.text:
            self.session.add(Article(url=response.url, title=doc.title, author=doc.author,
                                     published=doc.date, text=doc.text))
            self.pending += 1
            if self.pending >= COMMIT_EVERY:
                self.session.commit()
                self.pending = 0
            self.crawler.stats.inc_value("handwritten/articles")
        yield from super().parse(response, **kwargs)

    def closed(self, reason: str) -> None:
        self.session.commit()
        self.session.close()
