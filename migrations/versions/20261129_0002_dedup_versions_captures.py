"""dedup, versions and captures

Every URL known for an article, the text hashes it owns (exact duplicates), its versions with
a pointer to the raw capture in the WARC files, and the near-duplicate index (MinHash
signatures and LSH bands). Existing v1 articles get their canonical URL, text hash and a
first version; their near-duplicate signatures are added by `crawler reextract`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 22:54:41.527380
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_texts",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_article_texts")),
    )
    with op.batch_alter_table("article_texts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_texts_canonical_url"), ["canonical_url"], unique=False
        )

    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_urls_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_urls")),
        sa.UniqueConstraint("url", name=op.f("uq_article_urls_url")),
    )
    with op.batch_alter_table("article_urls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_urls_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("extractor_version", sa.String(length=32), nullable=True),
        sa.Column("warc_file", sa.Text(), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_length", sa.BigInteger(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reextracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_versions_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_article_versions_crawl_run_id_crawl_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_versions")),
        sa.UniqueConstraint(
            "article_id", "version", name=op.f("uq_article_versions_article_id_version")
        ),
    )
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_versions_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_versions_content_hash"), ["content_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_article_versions_crawl_run_id"), ["crawl_run_id"], unique=False
        )

    op.create_table(
        "minhash_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_minhash_bands_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("band", "bucket", "article_id", name=op.f("pk_minhash_bands")),
    )
    with op.batch_alter_table("minhash_bands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_minhash_bands_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "minhash_signatures",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_minhash_signatures_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_minhash_signatures")),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cluster_similarity", sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_articles_cluster_id_articles"), "articles", ["cluster_id"], ["id"]
        )
    _backfill()


def _backfill() -> None:
    # v1 archives: what the new tables would have recorded, from the rows already there.
    op.execute(
        "INSERT INTO article_urls (url, article_id, kind, first_seen_at) "
        "SELECT canonical_url, id, 'canonical', first_seen_at FROM articles"
    )
    op.execute(
        "INSERT INTO article_texts (content_hash, canonical_url, first_seen_at) "
        "SELECT content_hash, MIN(canonical_url), MIN(first_seen_at) FROM articles "
        "GROUP BY content_hash"
    )
    op.execute(
        "INSERT INTO article_versions (article_id, version, url, title, text, content_hash, "
        "extractor_version, first_seen_at, last_seen_at, crawl_run_id) "
        "SELECT id, 1, url, title, text, content_hash, extractor_version, first_seen_at, "
        "last_seen_at, crawl_run_id FROM articles"
    )


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_articles_cluster_id_articles"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_articles_cluster_id"))
        batch_op.drop_column("cluster_similarity")
        batch_op.drop_column("cluster_id")
        batch_op.drop_column("version")

    op.drop_table("minhash_signatures")
    with op.batch_alter_table("minhash_bands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minhash_bands_article_id"))

    op.drop_table("minhash_bands")
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_versions_crawl_run_id"))
        batch_op.drop_index(batch_op.f("ix_article_versions_content_hash"))
        batch_op.drop_index(batch_op.f("ix_article_versions_article_id"))

    op.drop_table("article_versions")
    with op.batch_alter_table("article_urls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_urls_article_id"))

    op.drop_table("article_urls")
    with op.batch_alter_table("article_texts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_texts_canonical_url"))

    op.drop_table("article_texts")
