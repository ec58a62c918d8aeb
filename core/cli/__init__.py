"""``python -m core``: every capability headless. With ``--json`` the last stdout line is one JSON object.

One module per command family; each declares its arguments next to its handlers (``register``) and the
flags families share come from one set of parent parsers. Errors the user can act on print one line on
stderr and exit 1; bad arguments exit 2.
"""

import argparse
import json
import logging
import os
import sys
import traceback

import core  # noqa: F401  (sets TF_USE_LEGACY_KERAS before anything imports TensorFlow)
from core.cli import augment, bench, cases, compress, datasets, explain, models, report, transfer
from core.cli.output import clean
from core.cli.shared import parents
from core.errors import MedLensError
from core.storage import sweep_stores
from core.text import one_line

FAMILIES = (datasets, models, cases, transfer, compress, explain, augment, report, bench)
# Spellings from before sub-commands, still accepted: `compress --recipe X` is `compress run --recipe X`.
DEFAULT_ACTIONS = {"compress": ("run", "search")}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m core", description="MedLens, headless.")
    sub = main.add_subparsers(dest="command", required=True)
    shared = parents()
    for family in FAMILIES:
        family.register(sub, shared)
    return main


def normalise(argv: list[str]) -> list[str]:
    """Old spellings in their sub-command form (the first sub-command is the default action)."""
    if argv and argv[0] in DEFAULT_ACTIONS:
        actions = DEFAULT_ACTIONS[argv[0]]
        if len(argv) == 1 or argv[1] not in (*actions, "-h", "--help"):
            return [argv[0], actions[0], *argv[1:]]
    return argv


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(normalise(list(sys.argv[1:] if argv is None else argv)))
    try:
        sweep_stores()
        result = args.handler(args)
    except MedLensError as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug or a system failure: one line here, the trace only when asked for
        logging.getLogger("medlens").debug("unexpected failure", exc_info=True)
        print(f"error: unexpected failure ({one_line(error)}); set MEDLENS_DEBUG=1 for details", file=sys.stderr)
        if os.environ.get("MEDLENS_DEBUG"):
            traceback.print_exc()
        return 1
    if args.json:
        print(json.dumps(clean(result), allow_nan=False))
    return 0
