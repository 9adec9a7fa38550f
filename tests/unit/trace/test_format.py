"""The trace format: what the writer produces, and the reader's line-numbered errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from modemu.trace import (
    Chunk,
    End,
    Event,
    Header,
    TraceFormatError,
    Tracer,
    iter_records,
    open_private,
    read_trace,
)


def _write(path: Path) -> None:
    ticks = iter(range(100))
    tracer = Tracer.open(path, clock=lambda: 1000.0 + next(ticks), meta={"model": "EC200TCN"})
    tracer.chunk("rx", b"AT\r")
    tracer.chunk("tx", b"AT\r\r\nOK\r\n\xff")
    tracer.event("udp-drop", conn_id=3, bytes=120)
    tracer.close()


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _write(path)
    records = list(iter_records(path))
    header = records[0]
    assert isinstance(header, Header)
    assert (header.t, header.source, header.redacted) == (1000.0, "serve", False)
    assert header.meta["model"] == "EC200TCN"
    assert records[1:] == [
        Chunk(1001.0, "rx", b"AT\r", 2),
        Chunk(1002.0, "tx", b"AT\r\r\nOK\r\n\xff", 3),
        Event(1003.0, "udp-drop", {"conn_id": 3, "bytes": 120}, 4),
        End(1004.0, 3, 5),
    ]
    first = json.loads(path.read_text().splitlines()[0])
    assert (first["format"], first["version"]) == ("modemu-trace", 1)


def test_read_trace_gives_body_dicts(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _write(path)
    assert [r.get("dir", r.get("event")) for r in read_trace(path)] == ["rx", "tx", "udp-drop"]


def test_reserved_event_fields_are_refused(tmp_path: Path) -> None:
    tracer = Tracer.open(tmp_path / "t.jsonl")
    with pytest.raises(ValueError, match="reserved"):
        tracer.event("x", dir="rx")
    tracer.close()


def _lines(path: Path) -> list[str]:
    _write(path)
    return path.read_text().splitlines(keepends=True)


def _error(path: Path, lines: list[str]) -> TraceFormatError:
    path.write_text("".join(lines))
    with pytest.raises(TraceFormatError) as info:
        list(iter_records(path))
    return info.value


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (lambda ls: ls[:-1], 4, "without an end record"),
        (lambda ls: [*ls[:-1], ls[-1].rstrip("\n")], 5, "no newline"),
        (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], 3, "backwards"),
        (lambda ls: [ls[0], ls[1], ls[3], ls[4]], 4, "counts 3 records"),
        (lambda ls: [ls[0], '{"t": 1001.5, "dir": "up", "data": ""}\n', *ls[1:]], 2, '"dir"'),
        (lambda ls: [ls[0], "{oops\n", *ls[1:]], 2, "not valid JSON"),
        (lambda ls: [ls[0], '{"t": 1001.5}\n', *ls[1:]], 2, "not a record"),
        (lambda ls: [ls[0], '{"dir": "rx", "data": ""}\n', *ls[1:]], 2, '"t"'),
        (lambda ls: [ls[0], '{"t":1001,"dir":"rx","data":"\\u20ac"}\n', *ls[1:]], 2, "above"),
        (lambda ls: ls[1:], 1, "not a modemu trace"),
        (lambda ls: [ls[0].replace('"version":1', '"version":9'), *ls[1:]], 1, "version 9"),
        (lambda ls: [*ls, ls[1]], 6, "after the end"),
        (lambda ls: [], 1, "empty"),
    ],
    ids=[
        "cut-at-line",
        "cut-mid-line",
        "reordered",
        "line-removed",
        "bad-dir",
        "bad-json",
        "no-kind",
        "no-time",
        "wide-char",
        "no-header",
        "future-version",
        "after-end",
        "empty",
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, edit, line: int, words: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.jsonl"
    error = _error(path, edit(_lines(path)))
    assert error.line == line
    assert words in str(error)
    assert str(error).startswith(f"{path}:{line}: ")


def test_truncated_file_is_readable_when_allowed(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(_lines(path)[:-1]))
    assert [type(r) for r in iter_records(path, allow_truncated=True)] == [
        Header,
        Chunk,
        Chunk,
        Event,
    ]


def test_file_is_private_and_symlinks_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("old")
    path.chmod(0o644)
    Tracer.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "old" not in path.read_text()

    target = tmp_path / "victim"
    target.write_text("keep")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    with pytest.raises(OSError, match="symlink"):
        Tracer.open(link)
    assert target.read_text() == "keep"
    dangling = tmp_path / "dangling.jsonl"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OSError, match="symlink"):
        open_private(dangling)
    assert not (tmp_path / "nowhere").exists()


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        open_private(fifo)
