"""The module's lines over a real ``rfc2217://`` connection from pyserial, power-on on
host attach (pty and RFC 2217), and the TCP transport holding output while no host is
attached (docs/hardware-lines.md, docs/power-on.md).

The module runs on the test's event loop; the pyserial host runs its blocking calls on a
worker thread (``asyncio.to_thread``), as a driver would. Peers are real loopback servers.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import pytest
import serial
from e2e_kit import LOOPBACK, echo, run, tcp_peer
from serial import rfc2217

from modemu.modem.profile import Profile
from modemu.net.base import NetConfig, Opened
from modemu.net.fake import FakeNet
from modemu.server import VirtualModem
from modemu.transport.pty import PtyTransport
from modemu.transport.rfc2217 import Rfc2217Transport
from modemu.transport.tcp import TcpTransport

TIMEOUT = 10.0
BOOT_END = b"+QIND: SMS DONE\r\n"


# -- a blocking pyserial host ----------------------------------------------------------------


def expect(ser: Any, marker: bytes, timeout: float = TIMEOUT) -> bytes:
    """Read up to ``marker``; fail with what did arrive if it does not."""
    ser.timeout = timeout
    got = ser.read_until(marker)
    assert got.endswith(marker), f"no {marker!r} in {got!r}"
    return bytes(got)


def command(ser: Any, line: bytes, final: bytes = b"\r\nOK\r\n") -> bytes:
    ser.write(line)
    return expect(ser, final)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll a line until it reads as wanted (bounded; the host cannot be notified)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def quiet(ser: Any, seconds: float = 0.3) -> bytes:
    """Whatever arrives within ``seconds`` (proves that nothing does)."""
    ser.timeout = seconds
    return bytes(ser.read(65536))


def spy_modem_state(ser: Any) -> list[int]:
    """Record every NOTIFY_MODEMSTATE the server sends (RI pulses are short)."""
    seen: list[int] = []
    original = ser._telnet_process_subnegotiation

    def spy(suboption: bytes) -> None:
        if suboption[1:2] == rfc2217.SERVER_NOTIFY_MODEMSTATE and len(suboption) >= 3:
            seen.append(suboption[2])
        original(suboption)

    ser._telnet_process_subnegotiation = spy
    return seen


def open_rfc2217(url: str) -> Any:
    ser = serial.serial_for_url(url, timeout=TIMEOUT)
    expect(ser, BOOT_END)
    assert command(ser, b"ATE0\r") == b"ATE0\r\r\nOK\r\n"
    return ser


def with_rfc2217(script: Callable[[Any, int, VirtualModem], None], **modem: Any) -> None:
    """Run ``script(ser, echo_peer_port, vm)`` on a thread against a module on RFC 2217."""

    async def main() -> None:
        async with tcp_peer(echo) as port:
            transport = Rfc2217Transport()
            modem.setdefault("power_on", "attach")  # boot after pyserial's open purge
            vm = VirtualModem(transport=transport, net_config=NetConfig(), **modem)
            async with vm:

                def host() -> None:
                    ser = open_rfc2217(transport.url)
                    try:
                        script(ser, port, vm)
                    finally:
                        ser.close()

                await asyncio.to_thread(host)

    run(main())


def talking_peer() -> tuple[Any, list[asyncio.StreamWriter], asyncio.Event]:
    """A peer handler that keeps each connection's writer (the test sends through it)
    and reads until the module closes; the event is set once a connection is up."""
    peers: list[asyncio.StreamWriter] = []
    connected = asyncio.Event()

    async def talker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer)
        connected.set()
        await reader.read()

    return talker, peers, connected


def open_transparent(ser: Any, port: int) -> None:
    assert command(ser, b"AT+QIACT=1\r") == b"\r\nOK\r\n"
    line = f'AT+QIOPEN=1,0,"TCP","{LOOPBACK}",{port},0,2\r'.encode()
    assert command(ser, line, b"\r\nCONNECT\r\n") == b"\r\nCONNECT\r\n"


# -- lines over RFC 2217 ----------------------------------------------------------------------


def test_after_boot_cts_and_dsr_are_on_and_dcd_off() -> None:
    def script(ser: Any, _port: int, _vm: VirtualModem) -> None:
        wait_for(lambda: ser.cts and ser.dsr, "CTS and DSR")
        assert not ser.cd  # &C1: no data connection yet
        assert ser.getCD() is False

    with_rfc2217(script)


def test_dtr_drop_with_d1_returns_to_command_mode_and_keeps_the_socket() -> None:
    def script(ser: Any, port: int, _vm: VirtualModem) -> None:
        assert command(ser, b"AT&D1\r") == b"\r\nOK\r\n"
        open_transparent(ser, port)
        wait_for(lambda: ser.cd, "DCD on in transparent mode")
        ser.write(b"ping")
        assert expect(ser, b"ping") == b"ping"  # echoed by the peer
        ser.dtr = False
        assert expect(ser, b"\r\nOK\r\n") == b"\r\nOK\r\n"
        wait_for(lambda: not ser.cd, "DCD off in command mode")
        ser.dtr = True
        state = command(ser, b"AT+QISTATE=1,0\r")
        assert state.split(b",")[5] == b"2"  # still connected
        assert state.split(b",")[8] == b"0"  # now buffer mode

    with_rfc2217(script)


def test_dtr_drop_with_d2_hangs_up() -> None:
    def script(ser: Any, port: int, _vm: VirtualModem) -> None:
        open_transparent(ser, port)  # &D2 is the factory setting
        ser.dtr = False
        assert expect(ser, b"\r\nNO CARRIER\r\n") == b"\r\nNO CARRIER\r\n"
        ser.dtr = True
        assert command(ser, b"ATO\r", b"\r\nNO CARRIER\r\n") == b"\r\nNO CARRIER\r\n"

    with_rfc2217(script)


def test_dtr_drop_with_d0_is_ignored() -> None:
    def script(ser: Any, port: int, _vm: VirtualModem) -> None:
        assert command(ser, b"AT&D0\r") == b"\r\nOK\r\n"
        open_transparent(ser, port)
        ser.dtr = False
        ser.write(b"still bridged")
        assert expect(ser, b"still bridged") == b"still bridged"

    with_rfc2217(script)


def test_rts_off_holds_push_data_until_rts_on_and_nothing_is_lost() -> None:
    async def main() -> None:
        talker, peers, ready = talking_peer()
        async with tcp_peer(talker) as port:
            transport = Rfc2217Transport()
            async with VirtualModem(
                transport=transport, net_config=NetConfig(), power_on="attach"
            ) as vm:
                loop = asyncio.get_running_loop()
                payload = bytes(range(256)) * 400  # 100 KiB: more than the module buffers

                def host() -> None:
                    ser = open_rfc2217(transport.url)
                    try:
                        assert command(ser, b"AT+IFC=2,2\r") == b"\r\nOK\r\n"
                        assert command(ser, b"AT+QIACT=1\r") == b"\r\nOK\r\n"
                        line = f'AT+QIOPEN=1,0,"TCP","{LOOPBACK}",{port},0,1\r'.encode()
                        command(ser, line)
                        expect(ser, b"+QIOPEN: 0,0\r\n")
                        asyncio.run_coroutine_threadsafe(ready.wait(), loop).result(TIMEOUT)
                        ser.rts = False
                        peer = peers[0]
                        loop.call_soon_threadsafe(peer.write, payload)
                        assert quiet(ser) == b""
                        assert not vm.engine.host_writable  # type: ignore[attr-defined]
                        ser.rts = True
                        got = bytearray()
                        while len(got) < len(payload):
                            header = expect(ser, b"\r\n").strip()
                            if not header.startswith(b'+QIURC: "recv"'):
                                continue
                            count = int(header.rsplit(b",", 1)[1])
                            got += ser.read(count)
                            assert ser.read(2) == b"\r\n"
                        assert bytes(got) == payload
                    finally:
                        ser.close()

                await asyncio.to_thread(host)

    run(main())


def test_cts_drops_while_the_module_cannot_take_input() -> None:
    async def main() -> None:
        transport = Rfc2217Transport()
        async with VirtualModem(
            transport=transport, net_factory=lambda sink: FakeNet(), power_on="attach"
        ) as vm:

            def host() -> None:
                ser = open_rfc2217(transport.url)
                try:
                    command(ser, b"AT+IFC=2,2\r")
                    command(ser, b"AT+QIACT=1\r")
                    ser.write(b'AT+QIOPEN=1,0,"TCP","127.0.0.1",9,0,2\r')  # pending: busy
                    ser.write(b"x" * 70_000)  # held while busy, beyond the 64 KiB mark
                    wait_for(lambda: not ser.cts, "CTS off")
                    vm.loop.call_soon_threadsafe(
                        vm.inject_net_event, Opened(0, ("10.0.0.2", 4000), ("127.0.0.1", 9))
                    )
                    assert expect(ser, b"\r\nCONNECT\r\n") == b"\r\nCONNECT\r\n"
                    wait_for(lambda: ser.cts, "CTS on again")
                finally:
                    ser.close()

            await asyncio.to_thread(host)

    run(main())


def test_a_urc_pulses_ri_and_rts_dtr_break_baud_reach_the_module() -> None:
    def script(ser: Any, port: int, vm: VirtualModem) -> None:
        seen = spy_modem_state(ser)
        assert command(ser, b"AT+QIACT=1\r") == b"\r\nOK\r\n"
        command(ser, f'AT+QIOPEN=1,0,"TCP","{LOOPBACK}",{port},0,0\r'.encode())
        expect(ser, b"+QIOPEN: 0,0\r\n")

        def pulsed() -> bool:  # RI went on for the URC, then off again
            ri = [bool(state & 0x40) for state in seen]
            return True in ri and False in ri[ri.index(True) :]

        wait_for(pulsed, "an RI pulse")
        host = vm.engine.lines.host  # type: ignore[attr-defined]
        ser.baudrate = 921600
        ser.break_condition = True
        assert (host.baudrate, host.brk) == (921600, True)
        ser.break_condition = False
        assert not host.brk

    with_rfc2217(script)


# -- power-on on attach ---------------------------------------------------------------------


def test_power_on_attach_on_a_pty_sends_rdy_after_pyserial_opens_it() -> None:
    async def main() -> None:
        transport = PtyTransport(wait_for_host=True)
        profile = Profile(boot_delay=0.2)
        async with VirtualModem(
            transport=transport,
            profile=profile,
            net_factory=lambda sink: FakeNet(),
            power_on="attach",
        ) as vm:
            assert not vm.engine.powered  # type: ignore[attr-defined]
            await asyncio.sleep(0.1)  # a host that opens the port late...

            def host() -> bytes:
                with serial.Serial(transport.slave_path, timeout=TIMEOUT) as ser:
                    return expect(ser, BOOT_END)  # ...still sees the whole boot

            boot = await asyncio.to_thread(host)
            assert boot.startswith(b"\r\nRDY\r\n")

    run(main())


def test_power_on_attach_on_rfc2217() -> None:
    async def main() -> None:
        transport = Rfc2217Transport()
        async with VirtualModem(
            transport=transport, net_factory=lambda sink: FakeNet(), power_on="attach"
        ) as vm:
            assert not vm.engine.powered  # type: ignore[attr-defined]

            def host() -> bytes:
                ser = serial.serial_for_url(transport.url, timeout=TIMEOUT)
                try:
                    assert not ser.dsr  # off until the host attached
                    return expect(ser, BOOT_END)
                finally:
                    ser.close()

            assert (await asyncio.to_thread(host)).startswith(b"\r\nRDY\r\n")

    run(main())


# -- TCP: nothing lost while the host is away -------------------------------------------------


class RawHost:
    """A ``socket://`` host: a plain TCP client of the module."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> RawHost:
        return cls(*await asyncio.open_connection(LOOPBACK, port))

    async def expect(self, marker: bytes) -> bytes:
        return await asyncio.wait_for(self.reader.readuntil(marker), TIMEOUT)

    async def command(self, line: bytes, final: bytes = b"\r\nOK\r\n") -> bytes:
        self.writer.write(line)
        return await self.expect(final)

    async def read_exactly(self, count: int) -> bytes:
        return await asyncio.wait_for(self.reader.readexactly(count), TIMEOUT)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@pytest.mark.parametrize("mode", [1, 2], ids=["push", "transparent"])
def test_tcp_host_away_loses_nothing(mode: int) -> None:
    payload = os.urandom(200_000)  # beyond every buffer: the peer must be held back

    async def main() -> None:
        talker, peers, connected = talking_peer()
        async with tcp_peer(talker) as port:
            transport = TcpTransport()
            async with VirtualModem(
                transport=transport, net_config=NetConfig(), power_on="attach"
            ) as vm:
                await _open_and_leave(transport.port, port, mode)
                await asyncio.wait_for(connected.wait(), TIMEOUT)
                peers[0].write(payload)
                await _until_paused(vm)  # back-pressure: the module stops reading the peer
                host = await RawHost.connect(transport.port)
                got = await _collect(host, mode, len(payload))
                assert got == payload
                await host.close()

    run(main())


async def _open_and_leave(module_port: int, peer_port: int, mode: int) -> None:
    """A host boots the module, opens socket 0 to the peer in ``mode`` and goes away."""
    host = await RawHost.connect(module_port)
    await host.expect(BOOT_END)
    await host.command(b"ATE0\r")
    await host.command(b"AT+QIACT=1\r")
    line = f'AT+QIOPEN=1,0,"TCP","{LOOPBACK}",{peer_port},0,{mode}\r'.encode()
    if mode == 2:
        await host.command(line, b"\r\nCONNECT\r\n")
    else:
        await host.command(line)
        await host.expect(b"+QIOPEN: 0,0\r\n")
    await host.close()


async def _until_paused(vm: VirtualModem) -> None:
    slot = vm.engine.sockets.slots[0]  # type: ignore[attr-defined]
    for _ in range(2000):
        if slot.paused:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the module kept reading the peer while no host was attached")


def test_a_pyserial_host_that_comes_back_gets_the_held_output() -> None:
    """pyserial's socket:// open drains whatever arrived already: held output waits for
    the attach delay, so it arrives after the open."""

    async def main() -> None:
        talker, peers, connected = talking_peer()
        async with tcp_peer(talker) as port:
            transport = TcpTransport()
            async with VirtualModem(
                transport=transport, net_config=NetConfig(), power_on="attach"
            ) as vm:
                await _open_and_leave(transport.port, port, 1)
                await asyncio.wait_for(connected.wait(), TIMEOUT)
                peers[0].write(b"while away")
                await _until_paused(vm)

                def come_back() -> bytes:
                    with serial.serial_for_url(transport.url, timeout=TIMEOUT) as ser:
                        return expect(ser, b"while away\r\n")

                got = await asyncio.to_thread(come_back)
                assert got == b'\r\n+QIURC: "recv",0,10\r\nwhile away\r\n'

    run(main())


async def _collect(host: RawHost, mode: int, total: int) -> bytes:
    if mode == 2:
        return await host.read_exactly(total)
    got = bytearray()
    while len(got) < total:
        header = (await host.expect(b"\r\n")).strip()
        if not header.startswith(b'+QIURC: "recv"'):
            continue
        count = int(header.rsplit(b",", 1)[1])
        got += await host.read_exactly(count)
        assert await host.read_exactly(2) == b"\r\n"
    return bytes(got)


def test_tcp_on_attach_reboot_gives_each_host_a_fresh_module() -> None:
    async def main() -> None:
        async with tcp_peer(echo) as port:
            transport = TcpTransport()
            async with VirtualModem(
                transport=transport,
                net_config=NetConfig(),
                on_attach="reboot",
                profile=Profile(boot_delay=0.05),
            ):
                host = await RawHost.connect(transport.port)
                assert (await host.expect(BOOT_END)).startswith(b"\r\nRDY\r\n")
                await host.command(b"ATE0\r")
                await host.command(b"AT+QIACT=1\r")
                line = f'AT+QIOPEN=1,0,"TCP","{LOOPBACK}",{port},0,2\r'.encode()
                await host.command(line, b"\r\nCONNECT\r\n")
                await host.close()
                host = await RawHost.connect(transport.port)
                assert (await host.expect(BOOT_END)).startswith(b"\r\nRDY\r\n")
                assert await host.command(b"AT+QIACT?\r") == b"AT+QIACT?\r\r\nOK\r\n"
                await host.close()

    run(main())


def test_pwrkey_reset_and_line_readings_through_the_control_interface() -> None:
    def script(ser: Any, _port: int, vm: VirtualModem) -> None:
        def control(op: str, **args: Any) -> Any:
            async def call() -> Any:
                return vm.control(op, args)

            return asyncio.run_coroutine_threadsafe(call(), vm.loop).result(TIMEOUT)

        assert control("status")["lines"]["status"] is True
        assert control("pwrkey", ms=800) == {"result": "powered down"}
        assert expect(ser, b"\r\nPOWERED DOWN\r\n") == b"\r\nPOWERED DOWN\r\n"
        wait_for(lambda: not ser.dsr, "DSR off")
        lines = control("status")["lines"]
        assert (lines["status"], lines["netlight"]) == (False, "off")
        assert control("pwrkey", ms=600) == {"result": "powering on"}
        assert expect(ser, BOOT_END).startswith(b"\r\nRDY\r\n")
        wait_for(lambda: ser.dsr, "DSR on")
        assert control("reset", ms=300) == {"result": "resetting"}
        assert expect(ser, BOOT_END).startswith(b"\r\nRDY\r\n")

    with_rfc2217(script)
