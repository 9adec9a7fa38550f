"""No import cycle inside ``src/modemu`` (imports under ``if TYPE_CHECKING:`` aside).

The module graph is read from the source with :mod:`ast` -- every ``import``/``from ...
import`` of a ``modemu`` module, at module level or inside a function -- and must sort
topologically. A cycle fails with the modules that form it.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "modemu"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (their ``else`` still counts)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def _targets(module: str, node: ast.AST) -> set[str]:
    """The modemu modules an import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in MODULES}
    if not isinstance(node, ast.ImportFrom):
        return set()
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    targets = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
    if base in MODULES:
        targets.add(base)
    return targets


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in _runtime_nodes(tree):
            edges |= _targets(module, node)
        edges.discard(module)
        graph[module] = edges
    return graph


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
