"""Trials for the executor tests (module-level, so both executors can run them)."""

import time
from pathlib import Path


def summing(item, shared, context):
    """Sums a row of the shared array, reporting progress on the way."""
    for step in range(3):
        context.report(step / 3, f"step {step}")
        time.sleep(0.05)
    return float(shared[item].sum())


def failing(item, shared, context):
    from core.errors import DatasetError

    if item == 1:
        raise DatasetError("image 1 is unreadable")
    return item


def slow(item, shared, context):
    """Writes a marker, then sleeps: a cancelled run must not finish its items."""
    Path(shared, f"started-{item}").touch()
    time.sleep(30)
    return item


def where(item, shared, context):
    import os

    return os.getpid(), os.environ.get("MEDLENS_HOME")
