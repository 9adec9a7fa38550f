"""The asyncio adapter against a scripted port: hand-written module answers, no modemu.

This is the fake-transport layer of the test pyramid: it pins down the adapter's own
behaviour (timeouts, QIGETERROR look-ups, echo handling, a port that dies) with byte
strings taken from real-module transcripts, independent of our module's implementation.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from modemu.at.codes import Cme, QiError
from modemu.client import AsyncModem, Modem, Urc
from modemu.client.events import FinalKind
from modemu.errors import (
    CmeError,
    CommandError,
    ConnectionClosed,
    ModemTimeout,
    OperationError,
    PortError,
    SendFailed,
)

T = TypeVar("T")


class ScriptedPort:
    """A pyserial look-alike: each written command line triggers a canned answer."""

    def __init__(self, script: dict[bytes, bytes]) -> None:
        self.script = script
        self.written = bytearray()
        self._inbox = bytearray()
        self._cond = threading.Condition()
        self._broken = False
        self.closed = False

    def feed(self, data: bytes) -> None:
        with self._cond:
            self._inbox += data
            self._cond.notify_all()

    def break_port(self) -> None:
        with self._cond:
            self._broken = True
            self._cond.notify_all()

    def write(self, data: bytes) -> int:
        self.written += data
        answer = self.script.get(bytes(data))
        if answer is not None:
            self.feed(answer)
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self._inbox)

    def read(self, size: int = 1) -> bytes:
        with self._cond:
            self._cond.wait_for(lambda: self._inbox or self._broken, timeout=0.05)
            if self._broken:
                raise OSError("device disconnected")
            data = bytes(self._inbox[:size])
            del self._inbox[:size]
            return data

    def close(self) -> None:
        self.closed = True


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 20))


async def make(port: ScriptedPort) -> AsyncModem:
    return AsyncModem(port, command_timeout=1.0)


def test_timeout_then_late_answer_does_not_shift_responses() -> None:
    port = ScriptedPort({b"AT\r": b"\r\nOK\r\n"})

    async def main() -> None:
        modem = await make(port)
        with pytest.raises(ModemTimeout) as info:
            await modem.command("AT+QIACT=1", timeout=0.1)
        assert isinstance(info.value, TimeoutError)
        port.feed(b"\r\nOK\r\n")  # the late answer to QIACT
        await asyncio.sleep(0.1)
        assert (await modem.command("AT")).kind is FinalKind.OK
        await modem.close()

    run(main())
    assert port.closed


def test_qi_error_is_looked_up_with_qigeterror() -> None:
    port = ScriptedPort(
        {
            b"AT+QIACT=1\r": b"\r\nERROR\r\n",
            b"AT+QIGETERROR\r": b"\r\n+QIGETERROR: 561,PDP context opening failed\r\n\r\nOK\r\n",
            b"AT+CPIN?\r": b"\r\n+CME ERROR: SIM not inserted\r\n",
            b"AT+CSQ=5\r": b"\r\nERROR\r\n",
        }
    )

    async def main() -> None:
        modem = await make(port)
        with pytest.raises(CommandError) as info:
            await modem.command("AT+QIACT=1")
        assert info.value.qi_error == QiError.PDP_OPEN_FAILED
        with pytest.raises(CmeError) as cme:
            await modem.command("AT+CPIN?")
        assert cme.value.code == Cme.SIM_NOT_INSERTED
        with pytest.raises(CommandError) as plain:
            await modem.command("AT+CSQ=5")  # not a TCP/IP command: no QIGETERROR
        assert plain.value.qi_error is None
        await modem.close()

    run(main())
    assert port.written.count(b"AT+QIGETERROR\r") == 1


def test_send_with_echo_on_and_urc_before_prompt() -> None:
    """Factory defaults (ATE1, QISDE=1) and a URC that sneaks in before the prompt."""
    port = ScriptedPort(
        {
            b"AT+QISEND=0,5\r\n": b'AT+QISEND=0,5\r\r\n+QIURC: "recv",3\r\n\r\n>',
            b"a\r\nOK": b"a\r\nOK\r\nSEND OK\r\n",
        }
    )

    async def main() -> list[str]:
        modem = await make(port)
        seen: list[str] = []
        modem.add_urc_listener(lambda urc: seen.append(urc.line))
        response = await modem.transact("AT+QISEND=0,5", payload=b"a\r\nOK")
        assert response.kind is FinalKind.SEND_OK
        await modem.close()
        return seen

    assert run(main()) == ['+QIURC: "recv",3']


def test_send_fail_is_its_own_error() -> None:
    port = ScriptedPort({b"AT+QISEND=0,1\r\n": b"\r\n>", b"x": b"\r\nSEND FAIL\r\n"})

    async def main() -> None:
        modem = await make(port)
        response = await modem.transact("AT+QISEND=0,1", payload=b"x")
        with pytest.raises(SendFailed):
            await modem.raise_for(response)
        await modem.close()

    run(main())


def test_lost_port_fails_the_pending_command() -> None:
    port = ScriptedPort({})

    async def main() -> None:
        modem = await make(port)
        task = asyncio.ensure_future(modem.command("AT", timeout=5))
        await asyncio.sleep(0.1)
        port.break_port()
        with pytest.raises(PortError):
            await task
        with pytest.raises(PortError):
            await modem.command("AT")
        await modem.close()

    run(main())


def test_initialize_survives_a_port_left_in_atv0() -> None:
    """Numeric results (``0\\r``) are not framed; the first ATE0V1 times out and fixes it."""
    answers = iter([b"0\r", b"\r\nOK\r\n"])

    class Port(ScriptedPort):
        def write(self, data: bytes) -> int:
            self.written += data
            if data == b"ATE0V1\r":
                self.feed(next(answers))
            elif data in (b"AT+CMEE=1\r", b"AT+QISDE=0\r"):
                self.feed(b"\r\nOK\r\n")
            return len(data)

    async def main() -> None:
        modem = await make(Port({}))
        await modem.initialize()
        await modem.close()

    run(main())


def test_sync_modem_over_a_url(tmp_path: Any) -> None:
    """``loop://`` echoes what we send: with initialize=False the sync client opens and
    a command without an answer times out as a TimeoutError."""
    with (
        Modem("loop://", initialize=False, command_timeout=0.2) as modem,
        pytest.raises(TimeoutError),
    ):
        modem.command("AT")
    with pytest.raises(PortError):
        Modem(str(tmp_path / "no-such-port"), initialize=False)


def test_ping_timeouts_and_short_summary() -> None:
    """BC660K-style log (spec A14): per-request 569, then a four-field summary."""
    port = ScriptedPort(
        {
            b'AT+QPING=1,"10.9.9.9",1,2\r': b"\r\nOK\r\n\r\n+QPING: 569\r\n\r\n+QPING: 569\r\n"
            b"\r\n+QPING: 0,2,0,2\r\n",
            b'AT+QPING=1,"nowhere",1,2\r': b"\r\nOK\r\n\r\n+QPING: 565\r\n",
        }
    )

    async def main() -> None:
        modem = await make(port)
        result = await modem.ping("10.9.9.9", timeout=1, count=2)
        assert result.replies == (None, None)
        assert (result.sent, result.received, result.lost, result.avg_ms) == (2, 0, 2, None)
        with pytest.raises(OperationError) as info:
            await modem.ping("nowhere", timeout=1, count=2)
        assert info.value.qi_error == QiError.DNS_FAILED
        await modem.close()

    run(main())


def test_dns_and_ntp_urcs() -> None:
    port = ScriptedPort(
        {
            b'AT+QIDNSGIP=1,"a.example"\r': b'\r\nOK\r\n\r\n+QIURC: "dnsgip",0,2,600\r\n'
            b'\r\n+QIURC: "dnsgip","10.0.0.1"\r\n\r\n+QIURC: "dnsgip","10.0.0.2"\r\n',
            b'AT+QIDNSGIP=1,"b.example"\r': b'\r\nOK\r\n\r\n+QIURC: "dnsgip",565\r\n',
            b'AT+QNTP=1,"ntp.example",123\r': b"\r\nOK\r\n"
            b'\r\n+QNTP: 0,"2019/09/09,01:32:42+32"\r\n',
        }
    )

    async def main() -> None:
        modem = await make(port)
        assert await modem.resolve("a.example") == ["10.0.0.1", "10.0.0.2"]
        with pytest.raises(OperationError):
            await modem.resolve("b.example")
        when = await modem.ntp_sync("ntp.example")
        assert when.isoformat() == "2019-09-09T01:32:42+08:00"
        await modem.close()

    run(main())


def test_open_skips_an_id_the_module_already_uses() -> None:
    """``OK`` then ``+QIOPEN: 0,563`` (S11 log): the client retries on the next free id."""
    port = ScriptedPort(
        {
            b'AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,0\r': b"\r\nOK\r\n\r\n+QIOPEN: 0,563\r\n",
            b'AT+QIOPEN=1,1,"TCP","10.0.0.1",80,0,0\r': b"\r\nOK\r\n\r\n+QIOPEN: 1,0\r\n",
            b"AT+QICLOSE=1,10\r": b"\r\nOK\r\n",
        }
    )

    async def main() -> int:
        modem = await make(port)
        sock = await modem.connect("10.0.0.1", 80)
        await sock.close()
        await modem.close()
        return sock.conn_id

    assert run(main()) == 1


def test_a_failing_urc_listener_does_not_starve_others() -> None:
    port = ScriptedPort({})

    async def main() -> list[str]:
        modem = await make(port)
        seen: list[str] = []

        def broken(urc: Urc) -> None:
            raise RuntimeError("listener bug")

        modem.add_urc_listener(broken)
        remove = modem.add_urc_listener(lambda urc: seen.append(urc.line))
        port.feed(b"\r\nRDY\r\n")
        await asyncio.sleep(0.2)
        remove()
        port.feed(b"\r\n+CPIN: READY\r\n")
        await asyncio.sleep(0.2)
        await modem.close()
        return seen

    assert run(main()) == ["RDY"]


def test_sync_calls_after_close_fail_fast() -> None:
    modem = Modem("loop://", initialize=False)
    modem.close()
    modem.close()
    with pytest.raises(ConnectionClosed):
        modem.command("AT")
