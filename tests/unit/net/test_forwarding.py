"""Every layer stacked on a back end (tap, faults, link conditions) passes its extras on."""

from __future__ import annotations

from typing import Any

import pytest

from modemu.net.fake import FakeNet
from modemu.net.forwarding import ForwardingNet
from modemu.net.tap import NetTap


class ExtraNet(FakeNet):
    def host_socket(self, conn_id: int) -> str:
        return f"socket {conn_id}"


def test_extras_pass_through_stacked_layers() -> None:
    stacked: Any = NetTap(ForwardingNet(ExtraNet()), observers=[])
    assert stacked.host_socket(3) == "socket 3"


def test_a_missing_extra_is_still_an_attribute_error() -> None:
    stacked: Any = NetTap(ExtraNet(), observers=[])
    with pytest.raises(AttributeError):
        stacked.no_such_thing  # noqa: B018 - the lookup is the test
