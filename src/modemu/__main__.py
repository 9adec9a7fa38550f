"""``python -m modemu``: the same as the ``modemu`` command."""

import sys

from modemu.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
