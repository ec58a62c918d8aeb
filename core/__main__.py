"""``python -m core``: the headless CLI; the commands live in ``core/cli/``."""

import sys

from core.cli import main

if __name__ == "__main__":
    sys.exit(main())
