"""PostgreSQL: an index in the search's newest-first order

Relevance ranks the newest ``RANK_WINDOW`` matches and "by date" lists the newest page
(crawler/db/search_sql.py), both ordered by ``published_at DESC NULLS LAST, id DESC``. Without
an index in that order PostgreSQL takes every match from the GIN index, reads every matching
row and sorts them: a word in most of the archive reads most of the table. With it the planner
can walk the articles newest first and test each row's tsvector until the window is full
(about window ÷ share of articles matching rows), and keeps the GIN bitmap for rarer words,
choosing by the tsvector statistics ANALYZE keeps.

SQLite needs nothing: its full-text key already orders by publication time (migration 0003).
The index is named ``fts_*`` (the drift check skips search objects by that prefix). A plain
CREATE INDEX, inside Alembic's transaction: it blocks writes to ``articles`` while it builds
(seconds at 100,000 articles; bench/RESULTS.md "scale" has the measured times).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "fts_ix_articles_newest"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX {INDEX} ON articles (published_at DESC NULLS LAST, id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
