"""Pure text functions shared by relevance and the read side: normalisation (NFC, folding,
tokens, Lithuanian stems; ``normalize``) and the search language (``search_syntax``) with its
SQLite FTS5 and PostgreSQL forms (``fulltext_forms``). Nothing here touches a database."""
