"""docs/commands.md is generated from the registry and the profiles: it must match the code."""

from __future__ import annotations

from pathlib import Path

from modemu.docgen import main, render
from modemu.modem.commands import build_registry

PAGE = Path(__file__).resolve().parents[2] / "docs" / "commands.md"


def test_commands_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/commands.md is stale: run `PYTHONPATH=src python3 -m modemu.docgen "
        "--write docs/commands.md`"
    )


def test_every_registered_command_is_on_the_page() -> None:
    page = render()
    for name in build_registry().names():
        assert f"`AT{name}`" in page, name


def test_check_mode_reports_a_stale_page(tmp_path: Path) -> None:
    stale = tmp_path / "commands.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", str(stale)]) == 1
    assert main(["--write", str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0


def test_user_docs_never_point_outside_the_project() -> None:
    """A user's clone has only the project: README, DEVELOPERS.md and docs/ must not send
    readers to ../shared (the developers' spec); docs/ carries the reference instead."""
    root = PAGE.parents[1]
    pages = [root / "README.md", root / "DEVELOPERS.md", *sorted((root / "docs").glob("*.md"))]
    offenders = [p.name for p in pages if "../shared" in p.read_text(encoding="utf-8")]
    assert offenders == []
