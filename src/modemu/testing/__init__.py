"""modemu.testing."""
