"""The archive: typed models, engine and session factory, and the repository (all SQL)."""
