"""``python -m modemu.modem.commands``: print the command name index (``index.py``)."""

from modemu.modem.commands import render_index

if __name__ == "__main__":  # pragma: no cover - index generator
    print(render_index(), end="")
