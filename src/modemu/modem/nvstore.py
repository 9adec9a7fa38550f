"""Non-volatile memory of the module: what survives a restart (``AT+QICSGP``/``AT+CGDCONT``
profiles, ``AT+QURCCFG="urcport"``, the ``AT+QCFG``/``AT+QINDCFG`` values).

The engine only sees the :class:`NvStore` protocol; the file-backed store is chosen by the
server, so engine tests run with :class:`MemoryNvStore` and touch no disk.
:func:`save_state` and :func:`restore_state` decide which parts of
:class:`~modemu.modem.state.ModuleState` are non-volatile.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the stores themselves are needed by the CLI parser; the state is not
    from modemu.modem.state import ModuleState

URC_PORTS = ("usbat", "usbmodem", "uart1")
"""``<urcportvalue>`` of ``AT+QURCCFG="urcport"``."""


class NvStore(Protocol):
    def load(self) -> dict[str, Any]: ...

    def save(self, data: dict[str, Any]) -> None: ...


def save_state(nv: NvStore, state: ModuleState) -> None:
    """Write the non-volatile part of ``state``."""
    contexts = {str(c.cid): c.profile_dict() for c in state.contexts.values()}
    nv.save({"contexts": contexts, "urcport": state.urc_port, "qcfg": state.ext.nv_dict()})


def restore_state(nv: NvStore, state: ModuleState) -> None:
    """Read back what :func:`save_state` wrote; unknown or malformed entries are skipped
    (a damaged NV reads as factory values, as on a real module)."""
    from modemu.modem.state import CONTEXT_IDS, PdpContext  # noqa: PLC0415 - see imports

    data = nv.load()
    state.ext.restore(data.get("qcfg"))
    if data.get("urcport") in URC_PORTS:
        state.urc_port = str(data["urcport"])
    stored = data.get("contexts", {})
    if not isinstance(stored, dict):
        return
    for key, values in stored.items():
        if not (str(key).isdigit() and int(key) in CONTEXT_IDS and isinstance(values, dict)):
            continue
        cid = int(key)
        state.contexts[cid] = PdpContext(
            cid,
            context_type=int(values.get("context_type", 1)),
            apn=str(values.get("apn", "")),
            username=str(values.get("username", "")),
            password=str(values.get("password", "")),
            auth=int(values.get("auth", 0)),
        )


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
