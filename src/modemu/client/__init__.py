"""modemu.client."""
