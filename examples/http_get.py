"""Fetch a web page through an EC200-series module (real, or modemu on a pty).

Usage: python examples/http_get.py [PORT_URL [PAGE_URL [APN]]]
(defaults: /tmp/modem, http://example.com/, no APN)
"""

import asyncio
import sys
from urllib.parse import urlsplit

from modemu.client import AsyncModem


async def http_get(port: str, page: str, apn: str = "") -> bytes:
    url = urlsplit(page)
    host = url.hostname or "localhost"
    async with await AsyncModem.open(port) as modem:
        await modem.attach()
        await modem.activate(1, apn)
        reader, writer = await modem.open_connection(host, url.port or 80)
        request = f"GET {url.path or '/'} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode())
        response = await reader.read()  # HTTP/1.0: the server closes when done
        writer.close()
        await writer.wait_closed()
        return response


if __name__ == "__main__":
    defaults = ["/tmp/modem", "http://example.com/", ""]
    args = sys.argv[1:4] + defaults[len(sys.argv[1:4]) :]
    sys.stdout.write(asyncio.run(http_get(*args)).decode("utf-8", "replace"))
