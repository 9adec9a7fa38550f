"""No import cycle inside ``src/modemu`` (imports under ``if TYPE_CHECKING:`` aside).

The module graph is read from the source with :mod:`ast` -- every ``import``/``from ...
import`` of a ``modemu`` module, at module level or inside a function -- and must sort
topologically. A cycle fails with the modules that form it.
"""

from __future__ import annotations

import graphlib
from pathlib import Path

from modemu.tools.imports import module_graph

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "modemu"


def import_graph() -> dict[str, set[str]]:
    return module_graph(PACKAGE)


def test_the_graph_sees_the_imports_it_must() -> None:
    graph = import_graph()
    assert "modemu.modem.commands" in graph["modemu.modem.engine"]
    assert "modemu.modem.sockets" in graph["modemu.modem.engine"]
    # the handler modules see the engine only through the typed view, for type checking
    assert "modemu.modem.engine" not in graph["modemu.modem.commands.sockets"]


def test_src_has_no_import_cycle() -> None:
    graph = import_graph()
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None
    assert set(order) == set(graph)


def test_a_cycle_would_be_caught() -> None:
    graph = import_graph()
    graph["modemu.modem.commands.sockets"].add("modemu.modem.engine")
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        return
    raise AssertionError("a planted cycle was not detected")
