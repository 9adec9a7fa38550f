"""The documented lists stay complete."""

from __future__ import annotations

from pathlib import Path

from modemu.tools.masks import FIELD_RULES, PATTERN_RULES
from modemu.trace.redact import CREDENTIAL_RULES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_mask_rule_is_documented() -> None:
    text = (DOCS / "replay.md").read_text()
    for rule in (*FIELD_RULES, *PATTERN_RULES):
        assert f"`<{rule.name}>`" in text, rule.name


def test_every_credential_rule_is_documented() -> None:
    text = (DOCS / "trace-format.md").read_text()
    for rule in CREDENTIAL_RULES:
        assert f"`{rule.trigger}" in text, rule.trigger
