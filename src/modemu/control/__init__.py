"""Control a running virtual module from outside: faults, status, scenarios.

``ControlClient`` talks to ``modemu serve --control PATH``; the operations are listed in
:mod:`modemu.control.ops` (``modemu fault --list``) and described in ``docs/faults.md``.
"""

from modemu.control.client import ControlClient
from modemu.errors import ControlError

__all__ = ["ControlClient", "ControlError"]
