"""modemu.cli."""
