"""Render a timeline as one self-contained HTML page: a sequence diagram in three lanes.

Host, module and network are vertical lanes; every item is a row with its time since the
start, the gap since the previous row when it is long enough to matter, and an arrow from
one lane to another (or a note on one lane). URCs, errors and faults are coloured; payloads
are collapsed to their length and open to a hex or text view. Everything — CSS, the small
script for the hex/text toggle and the filters — is inline, so the file opens offline.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from modemu.view.timeline import Item, ItemKind, Lane

__all__ = ["PAYLOAD_PREVIEW", "render_page"]

PAYLOAD_PREVIEW = 4096
"""Bytes of a payload shown in its hex/text view; the length is always the full one."""

GAP_NOTE_SECONDS = 1.0
"""A pause this long or longer between two rows gets its own marker."""

_LANE_X = {Lane.HOST: 12, Lane.MODULE: 50, Lane.NETWORK: 88}
"""Lane positions, percent of the diagram's width."""

_STYLE = """
body{font:13px/1.35 system-ui,sans-serif;margin:0;color:#1d232a;background:#fafbfc}
header{padding:12px 18px;background:#1d3557;color:#fff}
header h1{font-size:17px;margin:0 0 4px}
header .stats span{margin-right:14px;white-space:nowrap}
.filters{padding:6px 18px;background:#e9eef4;position:sticky;top:0;z-index:3}
.filters label{margin-right:12px}
.lanes,.row{display:grid;grid-template-columns:92px 1fr}
.lanes{position:sticky;top:30px;z-index:2;background:#fafbfc;border-bottom:1px solid #ccd}
.lanes .names{position:relative;height:24px;font-weight:600}
.lanes .names span{position:absolute;transform:translateX(-50%);top:4px}
.row .t{font:11px ui-monospace,monospace;color:#678;padding:3px 6px;text-align:right}
.track{position:relative;min-height:26px}
.track .lane{position:absolute;top:0;bottom:0;border-left:1px dashed #b8c2cc}
.arrow{position:absolute;top:15px;height:0;border-top:2px solid #457b9d}
.arrow.l:before,.arrow.r:after{content:"";position:absolute;top:-6px;border:5px solid transparent}
.arrow.r:after{right:-2px;border-left:8px solid #457b9d}
.arrow.l:before{left:-2px;border-right:8px solid #457b9d}
.label{position:absolute;top:1px;font:12px ui-monospace,monospace;white-space:pre;
 max-width:36%;overflow:hidden;text-overflow:ellipsis;background:#fafbfcdd;padding:0 3px}
.note{position:absolute;top:3px;transform:translateX(-50%);font-size:12px;padding:1px 8px;
 border-radius:9px;background:#e3e8ee;white-space:nowrap}
.k-urc .arrow{border-color:#e76f51}.k-urc .label{color:#b3401f;font-weight:600}
.k-urc .arrow.l:before{border-right-color:#e76f51}
.k-error .arrow{border-color:#d00000}.k-error .label{color:#d00000;font-weight:700}
.k-error .arrow.l:before{border-right-color:#d00000}
.k-final .label{color:#2a9d8f;font-weight:600}.k-echo{opacity:.45}
.k-fault .note{background:#ffd166;font-weight:700}.k-mode .note{background:#cde4ff}
.k-net .arrow{border-color:#6a4c93}.k-net .arrow.r:after{border-left-color:#6a4c93}
.k-payload .arrow{border-top-style:dotted}
.gap .track{min-height:18px}.gap .note{background:none;color:#89a;font-style:italic}
details{position:absolute;top:0;font-size:12px;max-width:40%}
details pre{background:#fff;border:1px solid #ccd;padding:4px;max-height:240px;overflow:auto;
 white-space:pre-wrap;word-break:break-all;margin:2px 0}
details .hex{display:none}details.as-hex .hex{display:block}details.as-hex .text{display:none}
body.hide-echo .k-echo,body.hide-payload .k-payload{display:none}
"""

_SCRIPT = """
document.querySelectorAll('button.toggle').forEach(function(b){
 b.addEventListener('click',function(e){e.preventDefault();
  var d=b.closest('details');d.classList.toggle('as-hex');
  b.textContent=d.classList.contains('as-hex')?'show text':'show hex';});});
document.querySelectorAll('.filters input').forEach(function(c){
 c.addEventListener('change',function(){document.body.classList.toggle(c.value,!c.checked);});});
"""


@dataclass
class _Summary:
    duration: float = 0.0
    counts: Counter[ItemKind] = field(default_factory=Counter)
    bytes_by_lane: Counter[Lane] = field(default_factory=Counter)


def render_page(items: Iterable[Item], title: str) -> str:
    """The whole HTML document for ``items`` (consumed once)."""
    summary = _Summary()
    rows: list[str] = []
    previous: float | None = None
    for item in items:
        if previous is not None and item.t - previous >= GAP_NOTE_SECONDS:
            rows.append(_gap_row(item.t - previous))
        previous = item.t
        summary.duration = item.t
        summary.counts[item.kind] += 1
        if item.kind is ItemKind.PAYLOAD:
            summary.bytes_by_lane[item.source] += len(item.data)
        rows.append(_row(item))
    return "".join(
        [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
            _header(title, summary),
            _filters(),
            _lane_names(),
            "<main>",
            *rows,
            f"</main><script>{_SCRIPT}</script></body></html>\n",
        ]
    )


def _header(title: str, summary: _Summary) -> str:
    counts = summary.counts
    stats = [
        f"{summary.duration:.3f} s",
        f"{counts[ItemKind.COMMAND]} commands",
        f"{counts[ItemKind.URC]} URCs",
        f"{counts[ItemKind.ERROR]} errors",
        f"{counts[ItemKind.FAULT]} faults",
        f"host→module {summary.bytes_by_lane[Lane.HOST]} B of data",
        f"module→host {summary.bytes_by_lane[Lane.MODULE]} B of data",
    ]
    spans = "".join(f"<span>{html.escape(s)}</span>" for s in stats)
    return f"<header><h1>{html.escape(title)}</h1><div class='stats'>{spans}</div></header>"


def _filters() -> str:
    return (
        "<div class='filters'><label><input type='checkbox' value='hide-echo' checked> "
        "echo</label><label><input type='checkbox' value='hide-payload' checked> "
        "payloads</label></div>"
    )


def _lane_names() -> str:
    names = "".join(f"<span style='left:{x}%'>{lane.value}</span>" for lane, x in _LANE_X.items())
    return f"<div class='lanes'><div></div><div class='names'>{names}</div></div>"


def _lane_lines() -> str:
    return "".join(f"<div class='lane' style='left:{x}%'></div>" for x in _LANE_X.values())


def _gap_row(seconds: float) -> str:
    note = f"<div class='note' style='left:{_LANE_X[Lane.MODULE]}%'>⋯ {seconds:.3f} s ⋯</div>"
    track = f"<div class='track'>{_lane_lines()}{note}</div>"
    return f"<div class='row gap'><div class='t'></div>{track}</div>"


def _row(item: Item) -> str:
    body = _note(item) if item.source is item.target else _arrow(item)
    return (
        f"<div class='row k-{item.kind.value}'><div class='t'>+{item.t:.3f}</div>"
        f"<div class='track'>{_lane_lines()}{body}</div></div>"
    )


def _note(item: Item) -> str:
    x = _LANE_X[item.source]
    return f"<div class='note' style='left:{x}%'>{html.escape(item.text)}</div>"


def _arrow(item: Item) -> str:
    start, end = _LANE_X[item.source], _LANE_X[item.target]
    left, right = min(start, end), max(start, end)
    direction = "r" if end > start else "l"
    label_x = left + 1
    label = _payload(item) if item.kind is ItemKind.PAYLOAD else _label(item.text)
    return (
        f"<div class='arrow {direction}' style='left:{left}%;width:{right - left}%'></div>"
        f"<div style='position:absolute;left:{label_x}%;top:0;right:0'>{label}</div>"
    )


def _label(text: str) -> str:
    return f"<span class='label' title='{html.escape(text)}'>{html.escape(text)}</span>"


def _payload(item: Item) -> str:
    shown = item.data[:PAYLOAD_PREVIEW]
    more = len(item.data) - len(shown)
    tail = f"\n… {more} more bytes" if more else ""
    text = html.escape(shown.decode("latin-1").translate(_PRINTABLE)) + tail
    hexed = " ".join(f"{b:02x}" for b in shown) + tail
    return (
        f"<details><summary>data {len(item.data)} B</summary>"
        "<button class='toggle'>show hex</button>"
        f"<pre class='text'>{text}</pre><pre class='hex'>{hexed}</pre></details>"
    )


_PRINTABLE = {
    code: ("·" if code not in (0x0A,) else "\n")
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
}
"""Control bytes shown as a middle dot in the text view (LF kept as a line break)."""
