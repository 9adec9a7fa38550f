"""The command registry loads each handler module when one of its commands is first used;
the generated name index (``modem/commands/index.py``) must say where every name lives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from modemu.modem import commands
from modemu.modem.registry import Kind, Registry

INDEX = Path(commands.__file__).with_name("index.py")


def test_the_name_index_is_current() -> None:
    assert INDEX.read_text(encoding="utf-8") == commands.render_index(), (
        "modem/commands/index.py is stale: run `PYTHONPATH=src python3 -m "
        "modemu.modem.commands > src/modemu/modem/commands/index.py`"
    )


def test_the_on_demand_registry_holds_exactly_the_composed_tables() -> None:
    composed = Registry.compose(*commands.tables())
    lazy = Registry.on_demand(commands.WHERE, commands.table)
    assert lazy.names() == composed.names()
    for name in composed.names():
        assert lazy.lookup(name) is composed.lookup(name)


def _tables(log: list[str]) -> tuple[dict[str, str], Callable[[str], Registry]]:
    first, second = Registry(), Registry()
    first.command("+A", "+B", kind=Kind.GPP)(lambda m, call: None)
    second.command("+C", kind=Kind.TCPIP)(lambda m, call: None)
    by_key = {"first": first, "second": second}

    def load(key: str) -> Registry:
        log.append(key)
        return by_key[key]

    return {"+A": "first", "+B": "first", "+C": "second"}, load


def test_a_table_loads_on_its_first_name_and_only_once() -> None:
    log: list[str] = []
    where, load = _tables(log)
    registry = Registry.on_demand(where, load)
    assert log == []
    assert registry.lookup("+NOPE") is None  # unknown: nothing loads
    assert log == []
    spec = registry.lookup("+B")
    assert spec is not None and spec.kind is Kind.GPP
    assert registry.lookup("+A") is not None
    assert log == ["first"]
    assert registry.names() == ["+A", "+B", "+C"]
    assert log == ["first", "second"]


def test_a_name_in_two_tables_is_refused_when_the_second_loads() -> None:
    first, second = Registry(), Registry()
    first.command("+A", kind=Kind.GPP)(lambda m, call: None)
    second.command("+A", kind=Kind.GPP)(lambda m, call: None)
    tables = {"first": first, "second": second}
    registry = Registry.on_demand({"+A": "first", "+B": "second"}, tables.__getitem__)
    assert registry.lookup("+A") is not None
    with pytest.raises(ValueError, match=r"\+A registered twice"):
        registry.lookup("+B")


def test_an_unknown_area_is_an_error() -> None:
    with pytest.raises(ValueError, match="no command area"):
        commands.table("nosuch")


def test_threads_looking_up_at_once_each_get_the_spec() -> None:
    """The in-process pytest mode looks commands up from a loop thread while a test thread
    may too: each lookup returns the one spec, whoever loaded the table."""
    registry = Registry.on_demand(commands.WHERE, commands.table)
    names = sorted(commands.WHERE)
    found: list[list[object]] = [[], []]
    barrier = threading.Barrier(2)

    def look(into: list[object]) -> None:
        barrier.wait()
        into.extend(registry.lookup(name) for name in names)

    threads = [threading.Thread(target=look, args=(into,)) for into in found]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert found[0] == found[1]
    assert None not in found[0] and len(found[0]) == len(names)
