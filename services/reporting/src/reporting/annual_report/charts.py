"""The report's figures drawn server-side with matplotlib, as PNG images the HTML embeds (so the
same image serves the browser and the PDF).

Chinese labels need a CJK font: Debian's fonts-noto-cjk (installed by `make report-tools`).
Matplotlib's own font list is built once per machine and may predate the fonts' installation,
so the Noto CJK files are found through fontconfig's usual folders and added explicitly. Only
matplotlib's object API is used (no pyplot state), so figures can be drawn in worker threads.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_PREFERRED = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "Noto Serif CJK JP")
_COLOURS = ("#2f6db5", "#e07b39", "#4f9d69", "#c44e52", "#8172b2", "#937860", "#da8bc3",
            "#8c8c8c", "#ccb974", "#64b5cd")  # fmt: skip


@functools.cache
def cjk_font_family() -> str | None:
    """The name of an installed Noto CJK family, registered with matplotlib; None (and a
    warning) when none is installed, in which case Chinese labels draw as empty boxes."""
    for folder in _FONT_DIRS:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("Noto*CJK*")):
            if path.suffix.lower() in (".ttc", ".otf", ".ttf"):
                font_manager.fontManager.addfont(str(path))
    names = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in _PREFERRED:
        if family in names:
            # Set once, before any figure is drawn, so worker threads only read it.
            matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
            return family
    log.warning("no Noto CJK font installed (Debian: fonts-noto-cjk); charts lack Chinese")
    return None


def _figure(width: float = 7.0, height: float = 3.4) -> Figure:
    cjk_font_family()
    figure = Figure(figsize=(width, height), dpi=150, layout="constrained")
    figure.set_facecolor("white")
    return figure


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else f"{int(value)}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    percent: bool = False,
) -> str:
    """A bar per label with its value written above it; a missing value draws no bar."""
    figure = _figure()
    axes = figure.add_subplot()
    heights = [0.0 if v is None else float(v) for v in values]
    bars = axes.bar(range(len(labels)), heights, color=_COLOURS[0], width=0.6)
    axes.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 5 else 0,
                    ha="right" if len(labels) > 5 else "center")  # fmt: skip
    for bar, value in zip(bars, values, strict=True):
        text = "—" if value is None else _number(float(value)) + ("%" if percent else "")
        axes.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=8)  # fmt: skip
    axes.set_title(title, fontsize=11)
    if not labels:
        axes.text(0.5, 0.5, "无数据", ha="center", va="center", transform=axes.transAxes)
    if unit:
        axes.set_ylabel(unit)
    if percent:
        axes.set_ylim(0, max([100.0, *heights]) * 1.1)
    else:
        axes.set_ylim(0, max([1.0, *heights]) * 1.15)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def grouped_bar_chart(
    title: str, groups: Sequence[str], series: Mapping[str, Sequence[float]], *, unit: str = ""
) -> str:
    """Bars per group, one colour per series (e.g. parks by year)."""
    figure = _figure()
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series.items()):
        offsets = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        bars = axes.bar(offsets, values, width=width, label=name,
                        color=_COLOURS[index % len(_COLOURS)])  # fmt: skip
        axes.bar_label(bars, labels=[_number(v) for v in values], fontsize=7)
    axes.set_xticks(range(len(groups)), groups)
    axes.set_title(title, fontsize=11)
    if not groups:
        axes.text(0.5, 0.5, "无数据", ha="center", va="center", transform=axes.transAxes)
    if unit:
        axes.set_ylabel(unit)
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def pie_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> str:
    """Shares of a whole (the seed's distribution figures); nothing to share draws a note."""
    figure = _figure(6.0, 3.6)
    axes = figure.add_subplot()
    if sum(values) <= 0:
        axes.text(0.5, 0.5, "无数据", ha="center", va="center")
        axes.set_axis_off()
    else:
        kept = [(label, value) for label, value in zip(labels, values, strict=True) if value > 0]
        axes.pie([v for _, v in kept], labels=[f"{label} {v}" for label, v in kept],
                 colors=_COLOURS[: len(kept)], autopct="%1.1f%%", textprops={"fontsize": 8},
                 startangle=90, counterclock=False)  # fmt: skip
        axes.set_aspect("equal")
    axes.set_title(title, fontsize=11)
    return _png(figure)
