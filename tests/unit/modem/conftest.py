"""Fixtures for engine tests (see :mod:`.harness`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .harness import OK, Modem


@pytest.fixture
def make_modem() -> Callable[..., Modem]:
    return Modem


@pytest.fixture
def modem_echo() -> Modem:
    """Booted, factory settings (echo on)."""
    return Modem()


@pytest.fixture
def modem() -> Modem:
    """Booted, with echo off (``ATE0``) so tables show only the module's answers."""
    m = Modem()
    assert m.cmd("ATE0") == b"ATE0\r" + OK
    return m
