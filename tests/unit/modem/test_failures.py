"""The one table from network failures to TCP/IP error codes (spec §12)."""

from __future__ import annotations

import pytest

from modemu.at.codes import QiError
from modemu.modem.failures import QI_CODES, qi_code
from modemu.net.base import NetFailure


def test_every_failure_has_a_code() -> None:
    assert set(QI_CODES) == set(NetFailure)


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (NetFailure.ID_IN_USE, 563),
        (NetFailure.NOT_SUPPORTED, 555),
        (NetFailure.SOCKET_CREATE, 554),
        (NetFailure.BIND, 556),
        (NetFailure.LISTEN, 557),
        (NetFailure.CONNECT, 566),
        (NetFailure.NAME_NOT_RESOLVED, 565),
        (NetFailure.NO_ANSWER, 569),
        (NetFailure.UNAVAILABLE, 550),
        (NetFailure.UNEXPECTED, 550),
    ],
)
def test_codes_follow_the_spec_table(failure: NetFailure, code: int) -> None:
    assert qi_code(failure) == code
    assert isinstance(qi_code(failure), QiError)
