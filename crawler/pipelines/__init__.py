"""Item pipelines: thin steps that call the modules that do the work (relevance, db.repo)."""
