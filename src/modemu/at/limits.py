"""Numeric limits and control bytes of the Quectel TCP/IP AT set, defined once.

The module enforces these values and the client sizes its requests with them, so a
limit can only change in one place (spec §2, §6, §9).
"""

from __future__ import annotations

SOCKET_IDS = range(12)
"""``<connectID>`` values: 0-11 (spec §5)."""
MAX_SEND = 1460
"""Largest payload of one ``AT+QISEND`` (spec §2, §6)."""
MAX_READ = 1500
"""Largest ``<read_length>`` of one ``AT+QIRD`` (spec §2, §7.1)."""
PUSH_CHUNK = 1500
"""Direct push splits arrivals into URCs of at most this many bytes (spec §7.2)."""
GUARD_TIME = 1.0
"""Seconds of silence required before and after ``+++`` (spec §9)."""
ESCAPE_SEQUENCE = b"+++"
"""Leaves transparent mode when framed by :data:`GUARD_TIME` of silence (spec §9)."""
CTRL_Z = 0x1A
"""Ends a variable-length ``AT+QISEND`` payload (spec §6)."""
ESC = 0x1B
"""Cancels a variable-length ``AT+QISEND`` payload (spec A8)."""
