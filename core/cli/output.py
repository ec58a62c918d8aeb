"""What every command prints: JSON without NaN, plain tables, progress lines on stderr (stdout stays for results)."""

import math
import sys
from collections.abc import Callable
from typing import Any


def clean(value: Any) -> Any:
    """JSON without NaN: undefined figures (AUC of a one-class split) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def download_progress(label: str) -> Callable[[int, int | None], None]:
    def report(done: int, total: int | None) -> None:
        if total:
            print(f"\r{label}: {done / total:6.1%} of {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)

    return report


def step_progress(quiet: bool) -> Callable[[float, str], None]:
    """Progress of long work as '[ 40%] message' lines on stderr (stdout stays for results)."""

    def report(fraction: float, message: str) -> None:
        if not quiet:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    return report


def epoch_progress(quiet: bool):
    """A training ``on_progress`` that prints one line per finished epoch on stderr."""

    def progress(p) -> None:
        if p.epoch_end and not quiet:
            logs = "  ".join(f"{k} {v:.4f}" for k, v in p.logs.items())
            print(f"epoch {p.epoch}/{p.epochs}  {logs}", file=sys.stderr, flush=True)

    return progress


def fractions(text: str) -> tuple[float, ...]:
    """``--fractions 0.01,0.1,1`` as numbers, or one clear error."""
    from core.errors import MedLensError

    try:
        return tuple(float(f) for f in text.split(","))
    except ValueError:
        raise MedLensError(f"--fractions must be numbers separated by commas, got {text!r}.") from None
