"""Datasette plugin for the archive (loaded by ``crawler serve`` from this directory).

- The search box folds đ/Đ to d/D before Datasette hands the text to FTS5: the folded index
  holds "da nang" for "Đà Nẵng", and FTS5's own diacritic folding leaves đ alone (Unicode
  does not decompose it), so "Đà Nẵng" typed into the box would otherwise find nothing.
- URLs in cells are links.
- The Articles page (``v_articles``) shows the beginning of each text with a link to the
  article's page (the canned query ``article``), where the text is whole: full texts made
  every row a screen tall. Datasette's own ``truncate_cells_html`` would cut it there too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup, escape
from pluggy import HookimplMarker

hookimpl = HookimplMarker("datasette")
Scope = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
               Awaitable[None]]
_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def fold_search(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if not any(key == "_search" or key.startswith("_search_") for key, _ in pairs):
        return query_string
    decoded = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    folded = [(k, v.translate(_FOLD) if k.startswith("_search") else v) for k, v in decoded]
    return urlencode(folded).encode("ascii")


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    def wrap(app: App) -> App:
        async def folded(scope: Scope, receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and scope.get("query_string"):
                scope = dict(scope, query_string=fold_search(scope["query_string"]))
            await app(scope, receive, send)

        return folded

    return wrap


PREVIEW = 300  # characters of a text on the Articles page
ARTICLE_PAGE = "article"  # the canned query with one article (datasette_metadata.py)


def preview(text: str, limit: int = PREVIEW) -> str:
    """The text's beginning, cut at a word, with an ellipsis when anything is left out."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut.rsplit(None, 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Markup | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")) and " " not in value:
        return Markup(f'<a href="{escape(value)}" rel="nofollow">{escape(value)}</a>')
    if column != "text" or not isinstance(value, str):
        return None
    if table == "v_articles":
        # The id column hidden (_nocol=id): no link to make. A sqlite3.Row's `in` reads values.
        if "id" not in row.keys():  # noqa: SIM118
            return Markup(escape(preview(value)))
        page = f"{datasette.urls.query(database, ARTICLE_PAGE)}?id={int(row['id'])}"
        return Markup(f'{escape(preview(value))} <a href="{escape(page)}" '
                      'class="full-text">full text</a>')
    if table is None:  # a query's page (the article's): whole, paragraph by paragraph
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in value.split("\n") if p.strip())
        return Markup(f'<div class="full-text">{paragraphs}</div>')
    return None
