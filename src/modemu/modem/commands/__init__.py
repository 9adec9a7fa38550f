"""modemu.modem.commands."""
