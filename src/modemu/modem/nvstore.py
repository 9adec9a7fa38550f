"""Non-volatile memory of the module: what survives a restart (``AT+QICSGP`` profiles).

The engine only sees the :class:`NvStore` protocol; the file-backed store is chosen by the
server, so engine tests run with :class:`MemoryNvStore` and touch no disk.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol


class NvStore(Protocol):
    def load(self) -> dict[str, Any]: ...

    def save(self, data: dict[str, Any]) -> None: ...


class MemoryNvStore:
    """NV memory that lives as long as the object (tests, ``--state-dir none``)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = dict(data or {})

    def load(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.data))  # type: ignore[no-any-return]

    def save(self, data: dict[str, Any]) -> None:
        self.data = json.loads(json.dumps(data))


class FileNvStore:
    """A JSON file, replaced atomically so a crash never leaves half a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a corrupt NV file reads as factory state, as a real module would
        return data if isinstance(data, dict) else {}

    def save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".nv-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def default_state_dir() -> Path:
    """``$MODEMU_STATE_DIR``, else ``$XDG_STATE_HOME/modemu``, else ``~/.local/state/modemu``."""
    explicit = os.environ.get("MODEMU_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "modemu"
