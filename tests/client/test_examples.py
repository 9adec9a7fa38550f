"""``examples/http_get.py`` fetches a page from a loopback HTTP server through modemu."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "http_get.py"


@pytest.fixture
def http_port(tmp_path: Path) -> Iterator[int]:
    (tmp_path / "hello.txt").write_bytes(b"hello through the module\n" * 200)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_http_get_example(modem_url: str, http_port: int) -> None:
    page = f"http://127.0.0.1:{http_port}/hello.txt"
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), modem_url, page],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200")
    assert body == b"hello through the module\n" * 200
