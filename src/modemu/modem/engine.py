"""ModemEngine: the whole virtual module as a sans-IO state machine (being written)."""

from __future__ import annotations

# Public API (fixed; the implementation lands in the next commits):
#
# class ModemEngine:
#     def __init__(self, profile: Profile, net: NetBackend, nv: NvStore, now: float) -> None
#     def receive_data(self, data: bytes, now: float) -> None   # host → module bytes
#     def data_to_send(self) -> bytes                           # module → host bytes (drains)
#     def next_deadline(self) -> float | None                   # earliest timer, loop.time() units
#     def handle_timer(self, now: float) -> None                # call at/after next_deadline()
#     def handle_net(self, event: NetEvent, now: float) -> None # back-end events
#     wants_input: bool   # False → the transport should pause reading the host (back-pressure)
#     powered: bool       # False after AT+QPOWD until power_on(now)
#     def power_on(self, now: float) -> None
#     def set_host_writable(self, writable: bool) -> None       # host output backed up or not
