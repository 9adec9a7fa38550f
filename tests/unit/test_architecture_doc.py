"""docs/architecture.md is generated from the code and must stay current."""

from __future__ import annotations

from pathlib import Path

import pytest

from modemu.tools.architecture import HOST_BYTE, NET_EVENT, document, resolve

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def test_doc_is_the_generated_document() -> None:
    assert DOC.read_text(encoding="utf-8") == document(), (
        "regenerate: python -m modemu.tools.architecture > docs/architecture.md"
    )


def test_every_step_of_both_paths_names_real_code() -> None:
    for dotted, _ in HOST_BYTE + NET_EVENT:
        assert callable(resolve(dotted)), dotted


def test_a_renamed_step_fails_generation() -> None:
    with pytest.raises(AttributeError):
        resolve("modemu.modem.engine.ModemEngine.no_such_method")
