"""modemu.transport."""
