"""Thread races for tests: the one way to run calls at the same moment."""

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(*calls: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run each call in its own thread (own DB connection), released together by a barrier.

    Returns each call's result, or the exception it raised (for the test to assert).
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = call()
        except BaseException as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
