"""Sans-IO AT layer shared by the virtual module and the host-side client.

Nothing in this package performs I/O, reads a clock or imports asyncio: bytes go in,
typed values and bytes come out, and time is passed in by the caller.
"""
