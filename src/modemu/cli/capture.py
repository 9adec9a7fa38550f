"""``--pcap FILE``: open the capture writer with a clear error when dpkt is missing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modemu.errors import ModemuError

if TYPE_CHECKING:  # the capture writer loads with --pcap, not with the parser
    from modemu.net.pcap import PcapObserver

__all__ = ["open_capture"]


def open_capture(path: str) -> PcapObserver:
    """A pcap observer writing to ``path`` (0600, never through a symlink)."""
    try:
        import dpkt  # noqa: F401, PLC0415 - only to give a clear error before creating the file
    except ImportError:
        raise ModemuError("--pcap needs dpkt: python3 -m pip install 'modemu[pcap]'") from None
    from modemu.net.pcap import PcapObserver  # noqa: PLC0415
    from modemu.trace.files import open_private_binary  # noqa: PLC0415

    return PcapObserver(open_private_binary(path))
