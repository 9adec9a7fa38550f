"""Test helpers shipped with modemu: the pytest plugin and a process controller."""

from modemu.testing.controller import ModemuInstance, ModemuProcess, StartupError

__all__ = ["ModemuInstance", "ModemuProcess", "StartupError"]
