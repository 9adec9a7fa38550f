"""Transcripts of real modules, written from bytes published in public logs.

Run ``PYTHONPATH=src python3 tests/transcripts/from_published_logs.py``. Each step is a
fact read from the named log (what the host sent, in the pieces it sent them, and what
the module answered), written down here in our format; nothing else is taken from it.

BG96: https://github.com/Azure/embedded-wireless-framework/issues/20 logs every write and
read of the Azure embedded wireless framework's BG96 adapter as ``[SEND][len][bytes]`` /
``[RECV][len][bytes]``, CR and LF escaped, so the bytes are exact.
"""

from __future__ import annotations

from pathlib import Path

from modemu.trace import Tracer

STEPS = [
    ([b"AT\r"], b"AT\r\r\nOK\r\n"),
    ([b"AT\r"], b"AT\r\r\nOK\r\n"),
    ([b"AT\r"], b"AT\r\r\nOK\r\n"),
    ([b"AT\r"], b"AT\r\r\nOK\r\n"),
    ([b"ATE0\r"], b"ATE0\r\r\nOK\r\n"),
    ([b"AT\r"], b"\r\nOK\r\n"),
    ([b"AT+CMEE=1\r"], b"\r\nOK\r\n"),
    ([b"AT+QISDE=0\r"], b"\r\nOK\r\n"),
    ([b"AT+CPIN?\r"], b"\r\n+CPIN: READY\r\n\r\nOK\r\n"),
    ([b"AT+CFUN=", b"1", b"\r"], b"\r\nOK\r\n"),
    ([b"AT+CFUN?\r"], b"\r\n+CFUN: 1\r\n\r\nOK\r\n"),
    ([b"AT+QICSGP=1\r"], b'\r\n+QICSGP: 1,"","","",0\r\n\r\nOK\r\n'),
    ([b"AT+QIACT?\r"], b"\r\nOK\r\n"),
    ([b"AT+QIACT=", b"1", b"\r"], b"\r\nOK\r\n"),
    ([b"AT+QIACT?\r"], b'\r\n+QIACT: 1,1,1,"10.0.0.160"\r\n\r\nOK\r\n'),
    ([b"AT+QICLOSE=", b"0", b"\r"], b"\r\nOK\r\n"),
]


def main() -> None:
    path = Path(__file__).resolve().parent / "bg96-azure-ewf-issue20.jsonl"
    ticks = iter(range(10**6))
    tracer = Tracer.open(
        path,
        clock=lambda: 1_600_000_000.0 + next(ticks) * 0.05,
        source="published-log",
        meta={
            "model": "BG96",
            "origin": "https://github.com/Azure/embedded-wireless-framework/issues/20",
            "notes": "bytes as logged; the poster's masked 10.XXX.YYY.160 written as "
            "10.0.0.160 (masked as <ipv4> anyway); the MQTT/SSL commands of the log "
            "(AT+QMTCFG, AT+QSSLSTATE) and AT+QIDNSCFG (host-dependent servers) left out",
            "replay": {"serve_args": "--profile bg96"},
        },
    )
    for sends, answer in STEPS:
        for piece in sends:
            tracer.chunk("rx", piece)
        tracer.chunk("tx", answer)
    tracer.close()


if __name__ == "__main__":
    main()
