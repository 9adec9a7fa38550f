"""``--pcap FILE``: the module's TCP/UDP traffic as a capture Wireshark opens.

The module's sockets are real host sockets, but the capture shows them as the network
would see a cellular module: IPv4 packets between the module's PDP address and each peer,
with a TCP three-way handshake, sequence and acknowledgement numbers that follow the bytes,
FIN/ACK or RST at the end, and wall-clock timestamps. The packets are synthesized from what
:class:`~modemu.net.tap.NetTap` observes (there is no radio to sniff), encoded with dpkt on
Ethernet frames between two fixed locally administered MAC addresses.

Segments longer than the MSS are split as a real stack would, so the capture's sizes are
plausible; every data segment is acknowledged at once by the other side.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from modemu.net.base import Address
from modemu.net.tap import Flow, with_peer

__all__ = ["MSS", "PcapObserver"]

MSS = 1460
"""Largest TCP payload per synthesized segment (Ethernet MTU less IPv4 and TCP headers)."""

_MODULE_MAC = b"\x02\x00\x00\x00\x00\x01"
_PEER_MAC = b"\x02\x00\x00\x00\x00\x02"


@dataclass
class _Sequence:
    module_next: int
    peer_next: int


class PcapObserver:
    """A :class:`~modemu.net.tap.NetObserver` that writes a pcap stream."""

    def __init__(self, stream: BinaryIO, clock: Callable[[], float] = time.time) -> None:
        import dpkt  # noqa: PLC0415 - optional extra, only needed with --pcap

        self._dpkt = dpkt
        self._stream = stream
        self._writer = dpkt.pcap.Writer(stream, linktype=dpkt.pcap.DLT_EN10MB)
        self._clock = clock
        self._seq: dict[int, _Sequence] = {}

    # -- NetObserver ---------------------------------------------------------------------

    def connected(self, flow: Flow, by_module: bool) -> None:
        if not flow.is_stream or flow.peer is None:
            return
        seq = _Sequence(module_next=_isn(flow, True), peer_next=_isn(flow, False))
        self._seq[flow.conn_id] = seq
        th = self._dpkt.tcp
        opener, answerer = by_module, not by_module
        self._tcp(flow, opener, th.TH_SYN, seq, b"")
        self._advance(seq, opener, 1)
        self._tcp(flow, answerer, th.TH_SYN | th.TH_ACK, seq, b"")
        self._advance(seq, answerer, 1)
        self._tcp(flow, opener, th.TH_ACK, seq, b"")

    def data(self, flow: Flow, from_module: bool, payload: bytes, peer: Address | None) -> None:
        if not flow.is_stream:
            self._udp(with_peer(flow, peer), from_module, payload)
            return
        seq = self._seq.get(flow.conn_id)
        if seq is None:
            return
        th = self._dpkt.tcp
        for start in range(0, len(payload), MSS):
            segment = payload[start : start + MSS]
            self._tcp(flow, from_module, th.TH_PUSH | th.TH_ACK, seq, segment)
            self._advance(seq, from_module, len(segment))
            self._tcp(flow, not from_module, th.TH_ACK, seq, b"")

    def closed(self, flow: Flow, by_module: bool, reset: bool) -> None:
        seq = self._seq.pop(flow.conn_id, None)
        if seq is None:
            return
        th = self._dpkt.tcp
        if reset:
            self._tcp(flow, by_module, th.TH_RST | th.TH_ACK, seq, b"")
            return
        for side in (by_module, not by_module):
            self._tcp(flow, side, th.TH_FIN | th.TH_ACK, seq, b"")
            self._advance(seq, side, 1)
            self._tcp(flow, not side, th.TH_ACK, seq, b"")

    def close(self) -> None:
        self._stream.close()

    # -- encoding ------------------------------------------------------------------------

    @staticmethod
    def _advance(seq: _Sequence, from_module: bool, count: int) -> None:
        if from_module:
            seq.module_next = (seq.module_next + count) & 0xFFFFFFFF
        else:
            seq.peer_next = (seq.peer_next + count) & 0xFFFFFFFF

    def _tcp(self, flow: Flow, from_module: bool, flags: int, seq: _Sequence, data: bytes) -> None:
        assert flow.peer is not None
        mine, theirs = (
            (seq.module_next, seq.peer_next) if from_module else (seq.peer_next, seq.module_next)
        )
        ack = theirs if flags & self._dpkt.tcp.TH_ACK else 0
        src, dst = (flow.module, flow.peer) if from_module else (flow.peer, flow.module)
        segment = self._dpkt.tcp.TCP(
            sport=src[1], dport=dst[1], seq=mine, ack=ack, flags=flags, win=65535, data=data
        )
        self._ip(src[0], dst[0], self._dpkt.ip.IP_PROTO_TCP, segment, from_module)

    def _udp(self, flow: Flow, from_module: bool, payload: bytes) -> None:
        if flow.peer is None:
            return
        src, dst = (flow.module, flow.peer) if from_module else (flow.peer, flow.module)
        datagram = self._dpkt.udp.UDP(sport=src[1], dport=dst[1], data=payload)
        datagram.ulen = len(datagram)
        self._ip(src[0], dst[0], self._dpkt.ip.IP_PROTO_UDP, datagram, from_module)

    def _ip(self, src: str, dst: str, proto: int, body: object, from_module: bool) -> None:
        packet = self._dpkt.ip.IP(
            src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=proto, ttl=64, data=body
        )
        frame = self._dpkt.ethernet.Ethernet(
            src=_MODULE_MAC if from_module else _PEER_MAC,
            dst=_PEER_MAC if from_module else _MODULE_MAC,
            type=self._dpkt.ethernet.ETH_TYPE_IP,
            data=packet,
        )
        self._writer.writepkt(bytes(frame), ts=self._clock())


def _isn(flow: Flow, module_side: bool) -> int:
    """A fixed initial sequence number per flow and side, so captures are reproducible."""
    return (0x1000_0000 * (flow.conn_id + 1) + (0 if module_side else 0x0800_0000)) & 0xFFFFFFFF
