"""The runtime import graph of a package, read from its source with :mod:`ast`.

Every ``import``/``from … import`` of one of the package's modules counts, at module level
or inside a function; imports under ``if TYPE_CHECKING:`` do not (they never run). A module
that calls ``importlib.import_module`` is taken to import every module it names in a string
constant (a package: its submodules by their last name too), so the command package's
on-demand loading of its handler modules stays in the graph. Used by
the no-import-cycle test and by the architecture page (``docs/architecture.md``).
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["module_graph", "module_names", "room_graph"]


def module_names(package_dir: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module under ``package_dir``."""
    root = package_dir.parent
    names: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


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


def _targets(module: str, node: ast.AST, modules: dict[str, Path]) -> set[str]:
    """The package's modules an import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if not isinstance(node, ast.ImportFrom):
        return set()
    if node.level:
        is_package = modules[module].name == "__init__.py"
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    targets = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
    if base in modules:
        targets.add(base)
    return targets


def _imports_by_name(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name == "import_module"


def _named_modules(module: str, nodes: list[ast.AST], modules: dict[str, Path]) -> set[str]:
    """The package's modules named by string constants in ``nodes``."""
    texts = {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    named = texts & modules.keys()
    if modules[module].name == "__init__.py":
        named |= {f"{module}.{text}" for text in texts} & modules.keys()
    return named


def module_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports at run time."""
    modules = module_names(package_dir)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        nodes = _runtime_nodes(tree)
        for node in nodes:
            edges |= _targets(module, node, modules)
        if any(_imports_by_name(node) for node in nodes):
            edges |= _named_modules(module, nodes, modules)
        edges.discard(module)
        graph[module] = edges
    return graph


def room_graph(package_dir: Path) -> dict[str, set[str]]:
    """The same graph folded to the package's first level ("rooms": ``at``, ``modem``…;
    top-level modules such as ``server`` are rooms of their own)."""
    top = package_dir.name
    rooms: dict[str, set[str]] = {}

    def room(module: str) -> str:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else top

    for module, edges in module_graph(package_dir).items():
        source = room(module)
        rooms.setdefault(source, set()).update(room(t) for t in edges if room(t) != source)
    return rooms
