"""Benchmarks: ``python -m bench [NAME …]``. Each ``bench/<name>.py`` has ``run(args) -> dict``
whose ``headline`` says what the benchmark exists to show; results go to
``bench/results/<name>.json``. Shared helpers are in :mod:`bench.common`."""
