"""Control a running virtual module from outside: faults, status, scenarios.

``ControlClient`` talks to ``modemu serve --control PATH``; the operations are listed in
:mod:`modemu.control.ops` (``modemu fault --list``) and described in ``docs/faults.md``.

The names load on first use (PEP 562): ``modemu serve`` opens its control socket
(``modemu.control.server``) without loading the client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu._lazy import lazy_exports

if TYPE_CHECKING:
    from modemu.control.client import ControlClient
    from modemu.errors import ControlError

_WHERE = {"ControlClient": "client", "ControlError": "modemu.errors"}

__all__ = ["ControlClient", "ControlError"]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
