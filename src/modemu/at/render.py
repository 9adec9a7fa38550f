"""Framing of the module's output: information text, final results, URCs (spec §1.3 to §1.6).

Pure functions from values to bytes, so the same framing serves the engine and the
client's tests and transcripts.
"""

from __future__ import annotations

from collections.abc import Sequence

from modemu.at.codes import Result

CRLF = b"\r\n"


def info(lines: Sequence[str | bytes], verbose: bool) -> bytes:
    """Information text: ``\\r\\nL1\\r\\nL2\\r\\n`` (ATV1) or ``L1\\r\\nL2\\r\\n`` (ATV0)."""
    if not lines:
        return b""
    body = CRLF.join([x if isinstance(x, bytes) else x.encode("latin-1") for x in lines]) + CRLF
    return CRLF + body if verbose else body


def result(code: Result, verbose: bool) -> bytes:
    """A V.250 final result: ``\\r\\nOK\\r\\n`` (ATV1) or ``0\\r`` (ATV0)."""
    return _RESULTS[code, verbose]


def _render_result(code: Result, verbose: bool) -> bytes:
    if verbose:
        return CRLF + code.text.encode() + CRLF
    return str(int(code)).encode() + b"\r"


_RESULTS = {
    (code, verbose): _render_result(code, verbose) for code in Result for verbose in (True, False)
}
"""Every final result pre-rendered: it is the tail of nearly every answer."""

OK_BY_VERBOSE = (_RESULTS[Result.OK, False], _RESULTS[Result.OK, True])
"""``OK`` as ``ATV0`` and ``ATV1`` render it, indexed by the verbose setting."""


def text_result(text: str, verbose: bool) -> bytes:
    """A final result with no numeric form (``+CME ERROR: 10``, ``SEND OK``)."""
    return (CRLF if verbose else b"") + text.encode("latin-1") + CRLF


def urc(text: str | bytes, verbose: bool) -> bytes:
    """Unsolicited result codes are framed like information text (spec §1.6)."""
    return info([text], verbose)
