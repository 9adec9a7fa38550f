"""``modemu view``: a transcript drawn as a self-contained HTML sequence diagram."""

from modemu.view.html import render_page
from modemu.view.timeline import Item, ItemKind, Lane, TimelineBuilder, build_timeline

__all__ = ["Item", "ItemKind", "Lane", "TimelineBuilder", "build_timeline", "render_page"]
