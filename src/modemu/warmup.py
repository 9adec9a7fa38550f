"""Load the rarely needed heavy libraries in the background once a module is serving.

dnspython (the first look-up of a name), icmplib (the first ``AT+QPING``) and ntplib (the
first ``AT+QNTP``) load lazily so that ``modemu serve`` answers its first ``OK`` quickly.
Left at that, the first command that needs one pays the import (dnspython: 60-250 ms on a
loaded machine) inside the event loop, long enough to trip a driver that allows a second
for ``+QIOPEN``. ``modemu serve`` calls :func:`start_warmup` :data:`WARM_DELAY` after it has
announced itself: they load on a daemon thread by the time a driver gets that far.

The thread must not slow the commands meanwhile. It starts after the driver's first burst of
set-up commands (run at once, it competed with them: single first commands took 2-8 ms
instead of < 1 ms on the 2-core test machine), and while it runs the interpreter's switch
interval is cut to :data:`WARM_SWITCH_INTERVAL`, so the event loop thread gets the GIL back
within a fraction of a millisecond when a command arrives instead of the default 5 ms, and
the interval is restored afterwards. A failed import is ignored here: the code that needs
the library imports it again and reports the error where it belongs.

modemu's own modules that a starting module leaves for later (the command handlers, the
socket, ping and NTP parts of the net back end: :func:`deferred_modules`) are warmed the
same way, first, so the first ``AT+QIOPEN`` finds them loaded too.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Sequence

HEAVY_MODULES = ("dns.asyncresolver", "dns.resolver", "dns.rdatatype", "icmplib", "ntplib")
"""What the net back end imports on first use (``net/dns.py``, ``net/ping.py``,
``net/ntp.py``)."""
WARM_DELAY = 1.0
"""Seconds after start-up before the warm-up thread starts."""
WARM_SWITCH_INTERVAL = 0.0002
"""Seconds; the GIL hand-over interval while the warm-up thread runs."""


def warm(modules: Sequence[str] = HEAVY_MODULES) -> list[str]:
    """Import ``modules`` now; return the ones that loaded."""
    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        loaded.append(name)
    return loaded


def deferred_modules() -> tuple[str, ...]:
    """modemu's modules that ``modemu serve`` loads on first use, then :data:`HEAVY_MODULES`."""
    from modemu.modem.commands import AREAS  # noqa: PLC0415 - not for `modemu --help`

    own = [f"modemu.modem.commands.{area}" for area in AREAS]
    own += ["modemu.net.opening", "modemu.net.listener", "modemu.net.ping", "modemu.net.ntp"]
    return (*own, *HEAVY_MODULES)


def start_warmup(modules: Sequence[str] | None = None) -> threading.Thread | None:
    """Import what is not loaded yet (default: :func:`deferred_modules`) on a daemon
    thread; ``None`` if all already are."""
    wanted = deferred_modules() if modules is None else modules
    missing = [name for name in wanted if name not in sys.modules]
    if not missing:
        return None
    previous = sys.getswitchinterval()

    def run() -> None:
        sys.setswitchinterval(min(previous, WARM_SWITCH_INTERVAL))
        try:
            warm(missing)
        finally:
            sys.setswitchinterval(previous)

    thread = threading.Thread(target=run, name="modemu-warmup", daemon=True)
    thread.start()
    return thread
