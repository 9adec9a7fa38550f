"""What ``AT+QISTATE`` shows of a socket changes only through ``SocketSlot``'s methods, each
of which stamps the change (``modem/state.py``, ``ShownChange``): the engine reuses a QISTATE
answer while the stamp is unchanged, so a write that bypassed the stamp would show a stale
answer. This reads every module of the package and fails on such a write."""

from __future__ import annotations

import ast
from pathlib import Path

import modemu
from modemu.at.params import AccessMode
from modemu.modem.socketstates import Event
from modemu.modem.state import SHOWN_FIELDS, ShownChange, SocketSlot

SRC = Path(modemu.__file__).parent


def _targets(node: ast.AST) -> list[ast.expr]:
    """What an assignment stores into (the parts of a tuple target included)."""
    if isinstance(node, ast.Assign):
        return [
            part
            for target in node.targets
            for part in ast.walk(target)
            if isinstance(part, ast.Attribute | ast.Subscript) and isinstance(part.ctx, ast.Store)
        ]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _fresh_slot(value: ast.expr, function: ast.AST | None) -> bool:
    """A ``SocketSlot(...)`` call, or a name bound to one in the same function."""
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "SocketSlot":
        return True
    if not isinstance(value, ast.Name) or function is None:
        return False
    return any(
        isinstance(node, ast.Assign)
        and any(getattr(t, "id", None) == value.id for t in node.targets)
        and _fresh_slot(node.value, None)
        for node in ast.walk(function)
    )


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]

    def enclosing(node: ast.AST) -> ast.AST | None:
        return next((f for f in functions if node in ast.walk(f)), None)

    for node in ast.walk(tree):
        where = f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', '?')}"
        for target in _targets(node):
            if (
                isinstance(target, ast.Attribute)
                and target.attr in SHOWN_FIELDS
                and not _is_self(target.value)
            ):
                found.append(f"{where}: writes .{target.attr} of another object")
            if (
                isinstance(target, ast.Subscript)
                and getattr(target.value, "attr", None) == "slots"
                and isinstance(node, ast.Assign)
                and not _fresh_slot(node.value, enclosing(node))
            ):
                found.append(f"{where}: puts a slot record that is not a fresh one in .slots")
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None))
            in ("setattr", "__setattr__")
            and any(
                isinstance(arg, ast.Constant) and arg.value in SHOWN_FIELDS for arg in node.args
            )
        ):
            found.append(f"{where}: setattr of a shown field")
    return found


def test_shown_fields_are_written_only_by_socketslot_methods() -> None:
    problems = [v for path in sorted(SRC.rglob("*.py")) for v in _violations(path)]
    assert problems == []


def test_socketslot_methods_that_write_a_shown_field_stamp_the_change() -> None:
    tree = ast.parse((SRC / "modem" / "state.py").read_text())
    slot_class = next(
        n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "SocketSlot"
    )
    writers = [
        method
        for method in slot_class.body
        if isinstance(method, ast.FunctionDef)
        and any(
            isinstance(t, ast.Attribute) and t.attr in SHOWN_FIELDS
            for n in ast.walk(method)
            for t in _targets(n)
        )
    ]
    assert {m.name for m in writers} >= {"advance", "set_access_mode", "set_remote"}
    for method in writers:
        assert "ShownChange.bump()" in ast.unparse(method), method.name


def test_every_change_moves_the_stamp() -> None:
    """Made, advanced, re-addressed, switched: each moves the stamp somewhere new."""
    seen = {ShownChange.stamp}
    slot = SocketSlot(3)
    seen.add(ShownChange.stamp)
    for change in (
        lambda: slot.advance(Event.OPEN),
        lambda: slot.set_local_port(4000),
        lambda: slot.set_remote(("10.0.0.1", 80)),
        lambda: slot.set_access_mode(AccessMode.PUSH),
    ):
        change()
        assert ShownChange.stamp not in seen
        seen.add(ShownChange.stamp)
