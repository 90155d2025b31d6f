"""Datasette plugin: the archive's Atom feeds (crawler/read/feeds.py) under ``/-/feeds/``.

``/-/feeds/seed/<seed>.atom`` for every seed, ``/-/feeds/<name>.atom`` for each ``[feeds]``
entry of the schedule file that ``crawler serve --config`` names (read on each request, so an
edited file needs no restart). The feed is built off the event loop, in a thread.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from datasette.utils.asgi import Response  # type: ignore[import-untyped]
from pluggy import HookimplMarker

from crawler.errors import CrawlerError
from crawler.read.feeds import FeedSpec, feed_bytes, named_feed, seed_feed

hookimpl = HookimplMarker("datasette")
ATOM = "application/atom+xml; charset=utf-8"


def _archive(datasette: Any) -> str:
    database = next(db for name, db in datasette.databases.items() if name != "_internal")
    return f"sqlite:///{database.path}"


async def _serve(datasette: Any, request: Any, spec: FeedSpec) -> Response:
    url = _archive(datasette)
    try:
        body, _ = await asyncio.to_thread(feed_bytes, url, spec, self_url=request.url)
    except CrawlerError as exc:
        return Response.text(f"{exc}\n", status=404)
    return Response(body, content_type=ATOM)


async def seed(datasette: Any, request: Any) -> Response:
    return await _serve(datasette, request, seed_feed(request.url_vars["seed"]))


async def named(datasette: Any, request: Any) -> Response:
    config = (datasette.plugin_config("news-crawler") or {}).get("schedule")
    if not config:
        return Response.text("no schedule file: start crawler serve with --config\n", status=404)
    try:
        spec = await asyncio.to_thread(named_feed, Path(config), request.url_vars["name"])
    except CrawlerError as exc:
        return Response.text(f"{exc}\n", status=404)
    return await _serve(datasette, request, spec)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/feeds/seed/(?P<seed>[A-Za-z0-9_.-]+)\.atom$", seed),
        (r"^/-/feeds/(?P<name>[A-Za-z0-9_.-]+)\.atom$", named),
    ]
