"""full-text search and views

The search index over article titles and texts, kept in sync by the database itself (every
write path, including a hand-written UPDATE, goes through the triggers), and the views that
make the archive easy to query by hand (docs/schema.md).

Two kinds of terms are indexed for every word, so that a search without diacritics finds
Vietnamese text ("Nhat Ban" finds "Nhật Bản"), while diacritics typed by the searcher still
narrow the match ("nhật" does not find "nhất"):

- **folded**: diacritics removed from Latin letters, and đ/Đ mapped to d/D by hand (it is a
  letter of its own, which Unicode does not decompose);
- **exact**: the word as written, case folded.

SQLite: two contentless FTS5 tables, ``fts_articles`` (folded: the unicode61 tokenizer with
``remove_diacritics 2`` after the triggers replace đ) and ``fts_articles_exact``
(``remove_diacritics 0``). PostgreSQL: one ``tsvector`` column, ``articles.fts_document``,
with the folded title and text as weights A and B and the exact ones as C and D, a GIN index,
and a trigger; the folding functions are plain SQL (``normalize`` to NFD, marks after a Latin
letter removed), so no extension is needed. Lithuanian inflections are matched at query time
(stem prefixes, crawler/textsearch.py), which both engines index for already.

All objects of this revision are named ``fts_*`` (the drift check skips them by that prefix:
``crawler.db.base.include_object``) or ``v_*`` (views, which Alembic does not compare).

It revises 0004, not 0002: the two were written at the same time and 0004 landed first.

**For later migrations on SQLite**: batch mode recreates a table, which drops its triggers
and fails while a view reads the table. A migration that batch-alters ``articles``, ``sites``
or ``article_versions`` must drop the views first (:data:`VIEWS`, in reverse order) and
re-create them afterwards, and re-create the triggers on ``articles`` (:func:`_sqlite_triggers`);
tests/test_query.py fails when the index stops following writes.

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-29 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Only the start of a very long text is indexed: PostgreSQL stores at most 16,383 word
# positions and 1 MB per tsvector, and both engines must index the same words.
MAX_INDEXED_CHARS = 100_000
# Separators for PostgreSQL's parser, which would otherwise keep "Jong-un", "3.5" or an
# e-mail address as one word where FTS5 sees two: every ASCII punctuation mark and the
# typographic ones news texts use. (No percent sign in the list: the drivers read it as a
# placeholder; PostgreSQL's parser separates at it anyway.)
_PUNCTUATION = "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~“”‘’„«»–—…•·"


# SQLite keys index rows by publication time, so that "newest first" walks the index
# backwards and stops after a page instead of sorting every match: the seconds since 1970
# (at least 1) shifted left 31 bits plus the article id; undated articles keep their bare id
# and so come last. The id is the key's low 31 bits (``key & ID_MASK``).
ID_BITS = 31


def sqlite_key(prefix: str) -> str:
    return (
        f"(CASE WHEN {prefix}.published_at IS NULL THEN {prefix}.id "
        f"ELSE (max(1, CAST(strftime('%s', {prefix}.published_at) AS INTEGER)) << {ID_BITS}) "
        f"+ {prefix}.id END)"
    )


def _sqlite_fold(expr: str) -> str:
    return f"replace(replace({expr}, 'đ', 'd'), 'Đ', 'D')"


def _sqlite_row(prefix: str) -> tuple[str, str]:
    """(key, title, body) as the folded and the exact index hold them."""
    body = f"substr({prefix}.text, 1, {MAX_INDEXED_CHARS})"
    key = sqlite_key(prefix)
    folded = f"{key}, {_sqlite_fold(f'{prefix}.title')}, {_sqlite_fold(body)}"
    return folded, f"{key}, {prefix}.title, {body}"


def _sqlite_triggers() -> list[str]:
    new_folded, new_exact = _sqlite_row("new")
    old_folded, old_exact = _sqlite_row("old")
    insert = (
        f"INSERT INTO fts_articles (rowid, title, body) VALUES ({new_folded}); "
        f"INSERT INTO fts_articles_exact (rowid, title, body) VALUES ({new_exact});"
    )
    # Contentless tables forget their input: a row is removed by handing back what was indexed.
    delete = (
        "INSERT INTO fts_articles (fts_articles, rowid, title, body) "
        f"VALUES ('delete', {old_folded}); "
        "INSERT INTO fts_articles_exact (fts_articles_exact, rowid, title, body) "
        f"VALUES ('delete', {old_exact});"
    )
    changed = (
        "old.id != new.id OR old.title IS NOT new.title OR old.text != new.text "
        "OR old.published_at IS NOT new.published_at"
    )
    return [
        f"CREATE TRIGGER fts_articles_insert AFTER INSERT ON articles BEGIN {insert} END",
        f"CREATE TRIGGER fts_articles_delete AFTER DELETE ON articles BEGIN {delete} END",
        "CREATE TRIGGER fts_articles_update AFTER UPDATE OF id, title, text, published_at "
        "ON articles "
        f"WHEN {changed} BEGIN {delete} {insert} END",
    ]


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE fts_articles USING fts5(title, body, content='', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE fts_articles_exact USING fts5(title, body, content='', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    folded, exact = _sqlite_row("a")
    for table, values in (("fts_articles", folded), ("fts_articles_exact", exact)):
        op.execute(f"INSERT INTO {table} (rowid, title, body) SELECT {values} FROM articles a")
    for trigger in _sqlite_triggers():
        op.execute(trigger)
    # Filters read these columns for every match; the text sits before most of them in the
    # row, so without a covering index each match would walk the text's overflow pages.
    op.execute(
        "CREATE INDEX fts_ix_articles_filters ON articles "
        "(id, cluster_id, site_id, language, published_at, relevance, seed_id)"
    )


def _pg_translate(value: str, first_from: str, first_to: str) -> str:
    source = (first_from + _PUNCTUATION).replace("'", "''")
    target = first_to + " " * len(_PUNCTUATION)
    return f"translate({value}, '{source}', '{target}')"


def _postgres_upgrade() -> None:
    # NFD, then marks after a Latin letter removed: the same letters FTS5's remove_diacritics
    # folds; đ first, since Unicode does not decompose it. lower() sees ASCII letters only
    # after NFD, so folding does not depend on the database's LC_CTYPE.
    op.execute(
        "CREATE FUNCTION fts_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
        "PARALLEL SAFE AS $$ SELECT lower(normalize(regexp_replace(normalize("
        f"{_pg_translate('value', 'đĐ', 'dD')}, NFD), "
        "'([A-Za-z])[\\u0300-\\u036f]+', '\\1', 'g'), NFC)) $$"
    )
    op.execute(
        "CREATE FUNCTION fts_exact(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
        "PARALLEL SAFE AS $$ SELECT normalize(lower(normalize("
        f"{_pg_translate('value', 'Đ', 'đ')}, NFD)), NFC) $$"
    )
    parts = []
    for weight, func, column in (
        ("A", "fts_fold", "title"),
        ("B", "fts_fold", f"left(body, {MAX_INDEXED_CHARS})"),
        ("C", "fts_exact", "title"),
        ("D", "fts_exact", f"left(body, {MAX_INDEXED_CHARS})"),
    ):
        parts.append(
            f"setweight(to_tsvector('simple'::regconfig, coalesce({func}({column}), '')), "
            f"'{weight}')"
        )
    op.execute(
        "CREATE FUNCTION fts_document(title text, body text) RETURNS tsvector LANGUAGE sql "
        f"IMMUTABLE PARALLEL SAFE AS $$ SELECT {' || '.join(parts)} $$"
    )
    op.execute(
        "CREATE FUNCTION fts_articles_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN NEW.fts_document := fts_document(NEW.title, NEW.text); RETURN NEW; END $$"
    )
    op.execute("ALTER TABLE articles ADD COLUMN fts_document tsvector")
    op.execute("UPDATE articles SET fts_document = fts_document(title, text)")
    op.execute(
        "CREATE TRIGGER fts_articles_document BEFORE INSERT OR UPDATE OF title, text "
        "ON articles FOR EACH ROW EXECUTE FUNCTION fts_articles_document()"
    )
    op.execute("CREATE INDEX fts_ix_articles_document ON articles USING gin (fts_document)")


def _week(dialect: str) -> str:
    """The Monday of the week an article was published, as text (YYYY-MM-DD, UTC)."""
    if dialect == "sqlite":
        return "date(a.published_at, '-6 days', 'weekday 1')"
    return "to_char(date_trunc('week', a.published_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def _search_key(dialect: str) -> str:
    if dialect == "sqlite":
        return sqlite_key("a")
    return "a.id"  # PostgreSQL's index lives in the row; the key is the id


def views(dialect: str) -> list[tuple[str, str]]:
    """(name, SELECT) of every view, in creation order."""
    week = _week(dialect)
    return [
        (
            "v_articles",
            "SELECT a.id AS id, a.title AS title, s.key AS site, s.name AS site_name, "
            "a.language AS language, a.published_at AS published, "
            f"{week} AS published_week, a.seed_id AS seed, a.relevance AS relevance, "
            "a.authors AS authors, a.url AS url, a.canonical_url AS canonical_url, "
            "a.found_via AS found_via, a.referrer AS referrer, a.depth AS depth, "
            "a.version AS version, a.cluster_id AS duplicate_of, "
            "a.cluster_similarity AS similarity, a.first_seen_at AS first_seen, "
            "a.last_seen_at AS last_seen, a.crawl_run_id AS crawl_run, "
            "a.description AS description, a.text AS text, "
            f"{_search_key(dialect)} AS search_key "
            "FROM articles a JOIN sites s ON s.id = a.site_id",
        ),
        (
            "v_article_versions",
            "SELECT v.article_id AS article_id, v.version AS version, s.key AS site, "
            "v.title AS title, v.url AS url, v.first_seen_at AS first_seen, "
            "v.last_seen_at AS last_seen, v.content_hash AS content_hash, "
            "v.changes AS changes, v.extractor_version AS extractor_version, "
            "v.warc_file AS capture_file, v.warc_offset AS capture_offset, "
            "v.warc_length AS capture_length, v.crawl_run_id AS crawl_run "
            "FROM article_versions v JOIN articles a ON a.id = v.article_id "
            "JOIN sites s ON s.id = a.site_id",
        ),
        (
            "v_changed_articles",
            "SELECT a.id AS id, a.title AS title, s.key AS site, a.version AS versions, "
            "v.first_seen_at AS changed, v.changes AS changes, a.first_seen_at AS first_seen, "
            "a.url AS url FROM articles a JOIN sites s ON s.id = a.site_id "
            "JOIN article_versions v ON v.article_id = a.id AND v.version = a.version "
            "WHERE a.version > 1",
        ),
        (
            "v_near_duplicates",
            "SELECT a.id AS id, a.title AS title, s.key AS site, a.published_at AS published, "
            "a.cluster_id AS duplicate_of, o.title AS original_title, "
            "os.key AS original_site, a.cluster_similarity AS similarity "
            "FROM articles a JOIN sites s ON s.id = a.site_id "
            "JOIN articles o ON o.id = a.cluster_id JOIN sites os ON os.id = o.site_id",
        ),
        (
            "v_seed_story",
            f"SELECT a.seed_id AS seed, s.key AS site, {week} AS week, "
            "COUNT(*) AS articles FROM articles a JOIN sites s ON s.id = a.site_id "
            "WHERE a.seed_id IS NOT NULL AND a.published_at IS NOT NULL "
            f"AND a.cluster_id IS NULL GROUP BY a.seed_id, s.key, {week}",
        ),
    ]


VIEWS = [name for name, _ in views("sqlite")]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    else:
        _postgres_upgrade()
    for name, select in views(dialect):
        op.execute(f"CREATE VIEW {name} AS {select}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS fts_articles_{trigger}")
        op.execute("DROP INDEX IF EXISTS fts_ix_articles_filters")
        op.execute("DROP TABLE IF EXISTS fts_articles_exact")
        op.execute("DROP TABLE IF EXISTS fts_articles")
        return
    op.execute("DROP TRIGGER IF EXISTS fts_articles_document ON articles")
    op.execute("DROP INDEX IF EXISTS fts_ix_articles_document")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS fts_document")
    for function in ("fts_articles_document()", "fts_document(text, text)", "fts_exact(text)",
                     "fts_fold(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
