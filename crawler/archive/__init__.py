"""The archive's own logic above the SQL: URL identity, dedup, WARC captures, re-extraction."""
