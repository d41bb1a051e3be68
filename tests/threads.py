"""Run one call in several threads at once, each on its own database connection.

For tests of races: the threads wait at a barrier and then call together; each
closes its connection at the end. Use with ``transactional_db`` (the threads'
connections must see the test's data, which a test transaction would hide).

On SQLite the tests run on an in-memory database in shared-cache mode, where a
connection that meets another's lock is told "database table is locked" at once,
instead of waiting as on the file database (busy timeout, IMMEDIATE transactions).
A call refused so did nothing (its transaction rolled back): it is started again
after a short wait, which is what the busy timeout does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, connection


def _waiting_for_locks(call: Callable[[], Any]) -> Any:
    for _attempt in range(2000):
        try:
            return call()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.005)
    return call()


def run_together(calls: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Start ``calls`` at the same moment, one thread each; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[index] = _waiting_for_locks(call)
        except BaseException as error:  # the test inspects what was raised
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return results
