"""The store: what an article becomes in the archive, above the SQL of crawler/db/.

URL identity (``urls``), text fingerprints and near-duplicates (``fingerprints``), the one
write path ``dedup.store_article`` (records, versions, clusters) and the batches that feed it
(``batch_writer``), the raw captures (``warc``) and re-extraction from them (``reextract``).
It runs without a crawler: the CLI, re-extraction and tests use it as the crawl does.
"""
