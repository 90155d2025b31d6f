"""A hard time limit for one call, in whatever thread the call runs.

Why not the usual tools:

- ``signal.alarm`` works only in the main thread; Scrapy calls extraction from the reactor
  thread, which is the main thread under ``scrapy crawl`` but not under ``CrawlerRunner`` in
  a service, nor in ``deferToThread`` workers.
- A future with ``result(timeout=…)`` returns control but leaves the work running: a stuck
  page would keep burning a CPU for as long as it takes.

So one daemon watchdog thread keeps the deadlines of all running calls and, when one passes,
raises an exception *inside* the late thread (``PyThreadState_SetAsyncExc``, CPython). The
exception derives from ``BaseException`` so that the ``except Exception`` blocks of the
libraries we call cannot swallow it; if something swallows it anyway the watchdog fires
again after ``_REFIRE`` seconds. Like a signal, it lands between two Python bytecodes: a
single long C call (one lxml parse) finishes first, which is why input size is capped too.

Cost per call: one lock, one heap push and pop, and at most one wake-up of the watchdog:
1.3 µs measured (``python -m bench extraction``), against ≈ 15 ms for a news page.
Calls must not nest in one thread (one pending interrupt per thread).
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_REFIRE = 1.0  # seconds between two interrupts of a call that swallowed the first


class _Expired(BaseException):
    """Raised asynchronously in the late thread. Never escapes :func:`call_with_time_limit`."""


def _interrupt(thread_id: int, exc: type[BaseException] | None) -> None:
    # None clears an interrupt that is pending but not yet delivered.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None
    )


class _Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []  # (deadline, token), live calls only
        self._threads: dict[int, int] = {}  # token -> thread id
        self._fired: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> int:
        deadline = time.monotonic() + seconds
        with self._cond:
            token = next(self._tokens)
            self._threads[token] = threading.get_ident()
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="extraction-watchdog",
                                                daemon=True)
                self._thread.start()
            elif earliest is None or deadline < earliest:
                self._cond.notify()
        return token

    def disarm(self, token: int) -> None:
        """Forget a call. Idempotent: an interrupt may land halfway and we call it again."""
        with self._cond:
            # Removing the thread first stops any further interrupt for this call …
            self._threads.pop(token, None)
            # … then one that is pending but not yet delivered is cancelled.
            if token in self._fired:
                _interrupt(threading.get_ident(), None)
                self._fired.discard(token)
            self._heap = [entry for entry in self._heap if entry[1] != token]
            heapq.heapify(self._heap)

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                thread_id = self._threads.get(token)
                if thread_id is None:  # disarmed while an interrupt was in flight
                    heapq.heappop(self._heap)
                    continue
                heapq.heapreplace(self._heap, (deadline + _REFIRE, token))
                self._fired.add(token)
                _interrupt(thread_id, _Expired)


_WATCHDOG = _Watchdog()


def _after_fork() -> None:
    # A forked child has no watchdog thread, and the parent's lock may have been held at the
    # fork: start afresh (multiprocessing's "fork" start method, prefork servers).
    global _WATCHDOG
    _WATCHDOG = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


def _disarm(token: int) -> None:
    # An interrupt can land while we disarm (the call finished just at its deadline):
    # try again until the watchdog has forgotten the call, after which none can come.
    while True:
        try:
            _WATCHDOG.disarm(token)
        except _Expired:
            continue
        return


def call_with_time_limit(func: Callable[[], T], seconds: float | None) -> tuple[bool, T | None]:
    """Run ``func()``; return ``(True, result)``, or ``(False, None)`` when it ran too long.

    ``seconds=None`` (or <= 0) runs it without a limit.
    """
    if seconds is None or seconds <= 0:
        return True, func()
    token = _WATCHDOG.arm(seconds)
    finished = False
    result: T | None = None
    try:
        result = func()
        finished = True
    except _Expired:
        pass
    finally:
        _disarm(token)
    return finished, result
