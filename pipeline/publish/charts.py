"""Charts of a release as inline SVG, drawn by matplotlib without a display or a network.

The figures use matplotlib's object API with the SVG canvas (no pyplot, no global backend),
text kept as ``<text>`` (searchable, small) and never read as mathematics (a ``$`` in a name
stays a dollar sign). ``svg.hashsalt`` and no metadata (``Date`` None) make the bytes a
function of the data alone: the same release gives the same page.

So a chart already drawn need not be drawn again: inside :func:`kept_svgs` each chart is read
from ``<folder>/<key>.svg`` when its key (the sha256 of this module's source, matplotlib's
version, the chart function and its arguments) was drawn before, else drawn and kept there.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # matplotlib itself is imported only to draw (half a second): kept charts need none of it
    from matplotlib.figure import Figure

#: rcParams for every chart: deterministic ids, real text, no mathtext, no remote fonts.
CHART_STYLE: dict[str, object] = {
    "svg.hashsalt": "news-agreements",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: No ``<metadata>`` block: no date (the same data gives the same bytes), no creator URL.
NO_METADATA: dict[str, None] = {"Date": None, "Creator": None, "Format": None, "Type": None}
BAR_COLOUR = "#3b6ea5"
#: The most bars a chart shows; the rest are summed into one "other" bar.
MAX_BARS = 15
UNKNOWN = "(not stated)"
#: Beyond this ratio of the largest to the smallest bar, sums are drawn on a log scale (else the
#: small bars vanish).
WIDE_RANGE = 100


#: What a chart's bytes depend on besides its arguments: this module's code and matplotlib's.
_CODE = hashlib.sha256(Path(__file__).read_bytes() + version("matplotlib").encode()).hexdigest()
#: The folder of kept charts and the names used in the current :func:`kept_svgs` block.
_KEPT: ContextVar[tuple[Path, set[str]] | None] = ContextVar("kept_svgs", default=None)


@contextmanager
def kept_svgs(folder: Path) -> Iterator[None]:
    """Charts drawn in the block are read from ``folder`` when drawn before with the same
    arguments, else drawn and kept there (written whole, then renamed). When the block ends,
    the charts it did not use are removed: the folder keeps the last page's charts."""
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    token = _KEPT.set((folder, used))
    try:
        yield
    finally:
        _KEPT.reset(token)
    for path in folder.glob("*.svg"):
        if path.name not in used:
            path.unlink(missing_ok=True)


def _typed(value: object) -> str:
    return f"{type(value).__name__}:{value!r}"


def _kept(draw: Callable[..., str]) -> Callable[..., str]:
    """``draw`` read from or kept in the :func:`kept_svgs` folder, when there is one."""
    @functools.wraps(draw)
    def kept_or_drawn(*args: object, **kwargs: object) -> str:
        kept = _KEPT.get()
        if kept is None:
            return draw(*args, **kwargs)
        folder, used = kept
        material = json.dumps([_CODE, draw.__name__, args, kwargs], sort_keys=True, default=_typed)
        path = folder / f"{hashlib.sha256(material.encode('utf-8')).hexdigest()}.svg"
        used.add(path.name)
        try:
            svg = path.read_bytes().decode("utf-8")
            if svg.startswith("<svg") and svg.endswith("</svg>"):
                return svg
        except (OSError, UnicodeDecodeError):
            pass
        svg = draw(*args, **kwargs)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(svg.encode("utf-8"))
            os.replace(tmp, path)
        except OSError:  # kept charts only save time: a failure costs a drawing next time
            tmp.unlink(missing_ok=True)
        return svg

    return kept_or_drawn


def figure_svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prolog, no doctype)."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.StringIO()
    with matplotlib.rc_context(CHART_STYLE):
        FigureCanvasSVG(figure)
        figure.savefig(buffer, format="svg", metadata=NO_METADATA, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):].strip()


@_kept
def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], axis_label: str,
              log_scale: bool = False) -> str:
    """Horizontal bars, the first label on top, each bar labelled with its value.

    >>> svg = bar_chart("Agreements by kind", ["deal", "treaty"], [3, 1], "agreements")
    >>> svg.startswith("<svg") and "treaty" in svg and svg == bar_chart("Agreements by kind", ["deal", "treaty"], [3, 1], "agreements")
    True
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    with matplotlib.rc_context(CHART_STYLE):
        figure = Figure(figsize=(5.6, 0.9 + 0.28 * max(len(labels), 1)))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, list(values), color=BAR_COLOUR, height=0.7)
        axes.set_yticks(positions, [_shorten(label) for label in labels])
        axes.set_xlabel(axis_label)
        axes.set_title(title, loc="left", fontsize=10)
        if log_scale:  # tick labels as plain numbers (mathtext is off)
            axes.set_xscale("log")
            axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _number(value)))
            axes.xaxis.set_minor_formatter(NullFormatter())
        elif all(float(value).is_integer() for value in values):  # counts: no 0.5 ticks
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        for position, value in zip(positions, values, strict=True):
            axes.annotate(_number(value), (value, position), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=8)
        axes.margins(x=0.15)
        return figure_svg(figure)


@_kept
def column_chart(title: str, labels: Sequence[str], values: Sequence[float], axis_label: str,
                 value_labels: bool = False, log_scale: bool = False) -> str:
    """Vertical bars in the order given (years left to right); ``value_labels`` writes each
    value above its bar and the axis ticks in short forms (``3.2 bn``); ``log_scale`` keeps
    bars of very different sizes visible."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

    with matplotlib.rc_context(CHART_STYLE):
        figure = Figure(figsize=(5.6, 2.6))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        axes.bar(positions, list(values), color=BAR_COLOUR, width=0.7)
        axes.set_xticks(positions, list(labels), rotation=90 if len(labels) > 12 else 0)
        axes.set_ylabel(axis_label)
        axes.set_title(title, loc="left", fontsize=10)
        if log_scale:
            axes.set_yscale("log")
            axes.yaxis.set_minor_formatter(NullFormatter())
        elif all(float(value).is_integer() for value in values):  # counts: no 0.5 ticks
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if value_labels:
            axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _number(value)))
            for position, value in zip(positions, values, strict=True):
                axes.annotate(_number(value), (position, value), xytext=(0, 2), textcoords="offset points",
                              ha="center", va="bottom", fontsize=8)
            axes.margins(y=0.15)
        return figure_svg(figure)


def _shorten(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _number(value: float) -> str:
    """``12``, ``1,250``, ``3.2e+09``-free short forms: ``3.2 bn``.

    >>> [_number(v) for v in (12, 1250, 3.2e9, 0.5)]
    ['12', '1,250', '3.2 bn', '0.5']
    """
    for size, word in ((1e12, "trn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"{value / size:.3g} {word}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:.3g}"


def counts_of(values: pd.Series, limit: int = MAX_BARS) -> list[tuple[str, int]]:
    """Counts per value, most frequent first (ties by name), missing values as
    :data:`UNKNOWN`, beyond ``limit`` summed as "other".

    >>> counts_of(pd.Series(["deal", "treaty", "deal", None]))
    [('deal', 2), ('(not stated)', 1), ('treaty', 1)]
    """
    labels = values.astype("object").where(values.notna(), UNKNOWN).map(str)
    pairs = sorted(labels.value_counts().items(), key=lambda kv: (-kv[1], kv[0]))
    if len(pairs) > limit:
        pairs = pairs[: limit - 1] + [(f"other ({len(pairs) - limit + 1})", sum(n for _, n in pairs[limit - 1:]))]
    return [(label, int(n)) for label, n in pairs]


def agreements_by(agreements: pd.DataFrame, column: str) -> str | None:
    """Agreements per ``kind`` or ``topic``; None when there is no agreement."""
    if agreements.empty:
        return None
    pairs = counts_of(agreements[column])
    return bar_chart(f"Agreements by {column}", [p[0] for p in pairs], [p[1] for p in pairs], "agreements")


def agreements_by_year(agreements: pd.DataFrame) -> str | None:
    """Agreements per year, in year order, those without a year last."""
    if agreements.empty:
        return None
    years = agreements["year"]
    known = years.dropna().astype(int).value_counts().sort_index()
    labels = [str(y) for y in known.index] + ([UNKNOWN] if years.isna().any() else [])
    values = [int(n) for n in known.to_numpy()] + ([int(years.isna().sum())] if years.isna().any() else [])
    return column_chart("Agreements by year", labels, values, "agreements")


def money_by_currency(figures: pd.DataFrame) -> pd.DataFrame:
    """Per currency: how many figures and the sum of their amounts, most figures first.

    >>> money_by_currency(pd.DataFrame({"currency": ["USD", "EUR", "USD"], "amount": [1.0, 2.0, None]}))
      currency  figures  sum
    0      USD        2  1.0
    1      EUR        1  2.0
    """
    if figures.empty:
        return pd.DataFrame({"currency": [], "figures": [], "sum": []})
    grouped = figures.groupby(figures["currency"].fillna(UNKNOWN), dropna=False)["amount"]
    table = pd.DataFrame({"figures": grouped.size(), "sum": grouped.sum(min_count=1).fillna(0.0)})
    table = table.reset_index().rename(columns={"index": "currency"})
    return table.sort_values(["figures", "currency"], ascending=[False, True], kind="stable").reset_index(drop=True)


def money_charts(figures: pd.DataFrame) -> tuple[str, str] | None:
    """Figures per currency, and the sum of amounts per currency (log scale: each bar is in
    its own currency, so bars of different currencies are not comparable)."""
    table = money_by_currency(figures).head(MAX_BARS)
    if table.empty:
        return None
    labels = table["currency"].tolist()
    count = bar_chart("Monetary figures by currency", labels, table["figures"].tolist(), "figures")
    positive = table[table["sum"] > 0]
    total = bar_chart(
        "Sum of amounts by currency (each in its own currency)",
        positive["currency"].tolist(), positive["sum"].tolist(), "sum of amounts (log scale)", log_scale=True,
    ) if not positive.empty else ""
    return count, total


def top_organisations(organisations: pd.DataFrame, limit: int = MAX_BARS) -> str | None:
    """The organisations most mentioned, with their mention counts."""
    if organisations.empty:
        return None
    top = organisations.sort_values(["mention_count", "name"], ascending=[False, True], kind="stable").head(limit)
    return bar_chart(f"Top {len(top)} organisations by mentions", top["name"].tolist(),
                     [int(n) for n in top["mention_count"]], "mentions")


NO_DATE = "(no date)"


def publication_years(figures: pd.DataFrame, documents: pd.DataFrame) -> pd.Series:
    """Each figure's publication year (``documents.published_at`` joined by ``doc_id``) as text,
    :data:`NO_DATE` when its article has no date.

    >>> publication_years(pd.DataFrame({"doc_id": ["a", "b", "c"]}),
    ...                   pd.DataFrame({"doc_id": ["a", "b"], "published_at": ["2015-09-01", None]})).tolist()
    ['2015', '(no date)', '(no date)']
    """
    dates = documents.set_index("doc_id")["published_at"].astype("object")
    published = figures["doc_id"].map(dates)
    years = published.where(published.notna(), "").map(str).str.extract(r"^(\d{4})", expand=False)
    return years.where(years.notna(), NO_DATE).astype("object")


def money_by_year_usd(figures: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Per publication year: how many figures have a USD value and their sum, years in order,
    figures of undated articles (USD amounts, whose rate needs no date) last.

    >>> money_by_year_usd(pd.DataFrame({"doc_id": ["a", "a", "b", "c"], "amount_usd": [1.0, 2.0, None, 4.0]}),
    ...                   pd.DataFrame({"doc_id": ["a", "b", "c"], "published_at": ["2016-01-02", "2015-03-04", None]}))
            year  figures  sum_usd
    0       2016        2      3.0
    1  (no date)        1      4.0
    """
    converted = figures[figures["amount_usd"].notna()] if not figures.empty else figures
    if converted.empty:
        return pd.DataFrame({"year": [], "figures": [], "sum_usd": []})
    grouped = converted.groupby(publication_years(converted, documents))["amount_usd"]
    table = pd.DataFrame({"figures": grouped.size(), "sum_usd": grouped.sum().astype(float)})
    table = table.rename_axis("year").reset_index()
    table["order"] = table["year"].map(lambda year: (year == NO_DATE, year))
    return table.sort_values("order").drop(columns="order").reset_index(drop=True)


def usd_missing_reasons(figures: pd.DataFrame) -> list[tuple[str, int]]:
    """How many figures have no USD value, per ``usd_missing_reason``, most first.

    >>> usd_missing_reasons(pd.DataFrame({"amount_usd": [1.0, None, None, None],
    ...     "usd_missing_reason": [None, "no_amount", "no_publication_date", "no_amount"]}))
    [('no_amount', 2), ('no_publication_date', 1)]
    """
    if figures.empty:
        return []
    missing = figures.loc[figures["amount_usd"].isna(), "usd_missing_reason"]
    return counts_of(missing, limit=len(missing) + 1)


def money_by_year_chart(table: pd.DataFrame) -> str | None:
    """Sum in US dollars per publication year (:func:`money_by_year_usd`), each column labelled
    with its sum and its number of figures; None when no figure has a USD value."""
    if table.empty:
        return None
    labels = [f"{year}\n{_plural(n, 'figure')}" for year, n in zip(table["year"], table["figures"], strict=True)]
    sums = table["sum_usd"].tolist()
    positive = [value for value in sums if value > 0]
    wide = bool(positive) and len(positive) == len(sums) and max(positive) > WIDE_RANGE * min(positive)
    return column_chart("Money by publication year, in US dollars (sum of amount_usd)", labels, sums,
                        "US dollars (log scale)" if wide else "US dollars", value_labels=True, log_scale=wide)


def _plural(count: int, noun: str) -> str:
    """``1 figure``, ``2 figures``.

    >>> _plural(1, "figure"), _plural(0, "figure")
    ('1 figure', '0 figures')
    """
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
