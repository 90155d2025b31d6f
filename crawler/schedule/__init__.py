"""Scheduled crawls: the schedule file, the APScheduler process, one subprocess per run."""
