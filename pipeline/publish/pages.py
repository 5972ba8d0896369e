"""Static HTML pages of the releases: ``<version>/index.html`` and the catalogue ``index.html``.

Self-contained: inline CSS and inline SVG charts (:mod:`pipeline.publish.charts`), no
script, no remote asset, every link relative, every value from the data escaped. The version
page is written while the release is staged, so ``SHA256SUMS`` covers it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.publish import charts
from pipeline.publish.archive import archive_name
from pipeline.publish.checksums import folder_entries
from pipeline.publish.citation import CITATION_FILE, citation_text
from pipeline.publish.datapackage import DATASET_TITLE, LICENSES
from pipeline.publish.staging import OWNER_FILE
from pipeline.schemas import TABLE_NAMES

PAGE_FILE = "index.html"
#: Files a staged release gains after its page is written.
WRITTEN_LATER = ("datapackage.json", "manifest.json", "SHA256SUMS")
OPS = ("ADD", "MOD", "DEL")
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:85em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}tr.latest{background:#eef6ee}
pre{background:#f4f4f4;padding:.7em;overflow-x:auto}figure{display:inline-block;vertical-align:top;margin:.5em 2em .5em 0;max-width:100%}figure svg{max-width:100%;height:auto}
.note{color:#555;font-size:90%}code{font-size:90%}code.sha{font-size:70%;word-break:break-all;display:inline-block;width:32ch}
th{font-size:85%}td:first-child,.nw{white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def _link(href: str, text: str) -> str:
    return f"<a href=\"{escape(href, quote=True)}\">{escape(text)}</a>"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None) -> str:
    """An HTML table; cells are escaped unless they are :class:`Markup`."""
    numeric = numeric or [False] * len(header)
    head = "".join(f"<th>{h if isinstance(h, Markup) else escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            ("<td class=\"n\">" if numeric[i] else "<td>")
            + (cell if isinstance(cell, Markup) else escape(str(cell))) + "</td>"
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


class Markup(str):
    """HTML already escaped or built here (a link)."""


def _human_bytes(size: int) -> str:
    """A size for people.

    >>> _human_bytes(1536), _human_bytes(12)
    ('1.5 KiB', '12 B')
    """
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def loading_snippets(prefix: str = "") -> str:
    """How to read the tables with pandas, DuckDB and polars (``prefix``: where the files are)."""
    path = f"{prefix}agreements.parquet"
    return (
        "<h3>pandas</h3><pre>import pandas as pd\n"
        f"agreements = pd.read_parquet({escape(json.dumps(path))}, dtype_backend=\"pyarrow\")  # list cells as lists\n"
        "clean = agreements[agreements[\"quality_flags\"].list.len() == 0]  # rows that break no rule</pre>"
        "<h3>DuckDB</h3><pre>import duckdb\n"
        f"duckdb.sql(\"SELECT kind, count(*) AS n FROM '{escape(path)}' GROUP BY kind ORDER BY n DESC\").show()\n"
        f"duckdb.sql(\"SELECT * FROM '{escape(path)}' WHERE len(quality_flags) = 0\")</pre>"
        "<h3>polars</h3><pre>import polars as pl\n"
        f"agreements = pl.read_parquet({escape(json.dumps(path))})\n"
        "clean = agreements.filter(pl.col(\"quality_flags\").list.len() == 0)</pre>"
        "<p class=\"note\">List columns (<code>parties</code>, <code>aliases</code>, <code>quality_flags</code>, "
        "<code>mentions</code>, <code>removed_lines</code>) load as lists in all three.</p>"
    )


def licence_section() -> str:
    licence = LICENSES[0]
    return (
        "<h2>Licence</h2>"
        f"<p>The extracted data: {escape(licence['title'])} (<code>{escape(licence['name'])}</code>, "
        f"{escape(licence['path'])}). <code>documents.text</code> quotes the source articles, which remain "
        "their publishers'; quote them within the limits of fair use or quotation rights.</p>"
    )


def citation_section(version: str, created: str, cff_href: str) -> str:
    return (
        "<h2>Citation</h2>"
        f"<p>{escape(citation_text(version, created))}</p>"
        f"<p>Machine-readable: {_link(cff_href, CITATION_FILE)} (Citation File Format 1.2.0).</p>"
    )


def _figure(svg: str | None, empty: str) -> str:
    return f"<figure>{svg}</figure>" if svg else f"<p class=\"note\">{escape(empty)}</p>"


def charts_section(tables: Mapping[str, pd.DataFrame]) -> str:
    """Every chart of a release, with the money table beside its charts."""
    agreements, figures = tables["agreements"], tables["monetary_figures"]
    parts = ["<h2>Agreements</h2>"]
    parts += [_figure(charts.agreements_by(agreements, c), "No agreement in this release.") for c in ("kind", "topic")]
    parts.append(_figure(charts.agreements_by_year(agreements), "No agreement in this release."))
    parts.append("<h2>Money by currency</h2>")
    money = charts.money_charts(figures)
    if money is None:
        parts.append("<p class=\"note\">No monetary figure in this release.</p>")
    else:
        parts += [_figure(svg, "No amount to sum.") for svg in money]
        table = charts.money_by_currency(figures)
        parts.append(_table(["currency", "figures", "sum of amounts"],
                            [[r.currency, r.figures, f"{r.sum:,.2f}"] for r in table.itertuples()], [False, True, True]))
        parts.append("<p class=\"note\">Each sum is in its own currency: sums are not comparable across "
                     "currencies (no exchange rate is applied here; the next section converts them to US dollars). "
                     "Figures without an amount count but add nothing.</p>")
    parts.append(money_by_year_section(figures, tables["documents"]))
    parts.append("<h2>Organisations</h2>")
    parts.append(_figure(charts.top_organisations(tables["organisations"]), "No organisation in this release."))
    return "\n".join(parts)


def money_by_year_section(figures: pd.DataFrame, documents: pd.DataFrame) -> str:
    """Money in US dollars per publication year, and how many figures have no USD value and why."""
    parts = ["<h2>Money by year, in US dollars</h2>"]
    if figures.empty:
        return parts[0] + "<p class=\"note\">No monetary figure in this release.</p>"
    table = charts.money_by_year_usd(figures, documents)
    parts.append(_figure(charts.money_by_year_chart(table), "No monetary figure has a value in US dollars."))
    converted = int(figures["amount_usd"].notna().sum())
    parts.append(f"<p>{converted} of {len(figures)} monetary figures have a value in US dollars "
                 "(<code>amount_usd</code>): the amount at the European Central Bank's reference rate of the "
                 "article's publication day (nominal dollars, no inflation adjustment). Years are the articles' "
                 "publication years (<code>documents.published_at</code>); amounts already in dollars need no "
                 f"rate, so they count even when their article has no date (column "
                 f"“{escape(charts.NO_DATE)}”). Each mention "
                 "counts: an amount reported twice is summed twice.</p>")
    if not table.empty:
        parts.append(_table(["publication year", "figures", "sum in US dollars"],
                            [[r.year, r.figures, f"{r.sum_usd:,.0f}"] for r in table.itertuples()], [False, True, True]))
    reasons = charts.usd_missing_reasons(figures)
    if reasons:
        missing = len(figures) - converted
        parts.append(f"<p>{missing} {'figure has' if missing == 1 else 'figures have'} no value in US dollars, "
                     f"by <code>usd_missing_reason</code> (see {_link('DATA_DICTIONARY.md', 'DATA_DICTIONARY.md')}):</p>")
        parts.append(_table(["reason", "figures"], reasons, [False, True]))
    return "\n".join(parts)


def _changes_rows(changes: Mapping[str, Mapping[str, int]]) -> list[list[Any]]:
    return [[name, *(int((changes.get(name) or {}).get(op, 0)) for op in OPS)] for name in TABLE_NAMES]


def render_release_page(
    version: str,
    created: str,
    tables: Mapping[str, pd.DataFrame],
    changes: Mapping[str, Any],
    files: Sequence[str],
) -> str:
    """``<version>/index.html``: counts, changes, charts, downloads, snippets, licence, citation.

    ``changes`` is what :func:`pipeline.publish.changes.write_changes` returns; ``files`` the
    names the folder will hold."""
    previous = changes.get("previous_version")
    since = (Markup(f"since release {_link(f'../{previous}/index.html', previous)}") if previous
             else Markup("first release: every row is new"))
    counts = _table(["table", "rows"], [[Markup(_link(f"{n}.parquet", n)), len(tables[n])] for n in TABLE_NAMES], [False, True])
    change_table = _table(["table", *OPS], _changes_rows(changes.get("changes", {})), [False, True, True, True])
    downloads = "".join(f"<li>{_link(name, name)}</li>" for name in sorted(files))
    body = f"""<h1>{escape(DATASET_TITLE)}</h1>
<p>Release <b>{escape(version)}</b>, created {escape(created)}. {_link('../index.html', 'All releases')}.</p>
<h2>Tables</h2>{counts}
<p>Columns, types and rules: {_link('DATA_DICTIONARY.md', 'DATA_DICTIONARY.md')}; validation: {_link('validation/index.html', 'validation/index.html')}.</p>
<h2>Changes</h2><p>Rows added, modified and deleted {since}. Ids: {_link('CHANGES.md', 'CHANGES.md')}; rows: <code>changes/&lt;table&gt;.delta.jsonl</code>.</p>
{change_table}
{charts_section(tables)}
<h2>Download</h2>
<p>The whole release: {_link(f'../{archive_name(version)}', archive_name(version).rsplit('/', 1)[1])}
(its size and sha256 are in {_link('../index.json', 'index.json')}). Or with checks:
<code>python -m pipeline fetch BASE_URL --version {escape(version)} --to DIR</code>.</p>
<ul>{downloads}</ul>
<p class="note">Check the files with <code>sha256sum -c SHA256SUMS</code> or <code>python -m pipeline validate FOLDER</code>.</p>
<h2>Loading</h2>{loading_snippets()}
{licence_section()}
{citation_section(version, created, CITATION_FILE)}"""
    return _page(f"{DATASET_TITLE} — release {version}", body)


def render_catalogue_page(index: Mapping[str, Any]) -> str:
    """``releases/index.html``: every version, newest first, the latest marked."""
    latest = index.get("latest")
    rows = []
    for entry in reversed(index.get("versions", [])):
        version = entry["version"]
        label = Markup(_link(entry["page"] or entry["path"], version) + ("<br><b>latest</b>" if version == latest else ""))
        counts = [int(entry["row_counts"].get(n, 0)) for n in TABLE_NAMES]
        totals = {op: sum(int((c or {}).get(op, 0)) for c in (entry.get("changes") or {}).values()) for op in OPS}
        changed = Markup(f"<span class=\"nw\">+{totals['ADD']} ~{totals['MOD']} -{totals['DEL']}</span>")
        validation = entry["validation"]
        warnings = int(validation["warnings"])
        outcome = ("passed" if validation["success"] else "FAILED") + f", {warnings} warning{'' if warnings == 1 else 's'}"
        archive = entry["archive"]
        archive_cell = Markup(
            f"{_link(archive['path'], archive['format'])} {escape(_human_bytes(archive['bytes']))}"
            f"<br><code class=\"sha\">{escape(archive['sha256'])}</code>"
        )
        day, _, time = str(entry["created"])[:19].partition("T")
        created = Markup(f"<span class=\"nw\">{escape(day)}</span> <span class=\"nw\">{escape(time)} UTC</span>")
        rows.append([label, created, *counts, changed, outcome, archive_cell])
    table = _table(
        ["version", "created", *(Markup(escape(n).replace("_", "_<wbr>")) for n in TABLE_NAMES),
         "rows +added ~modified -deleted", "validation", "archive, sha256"],
        rows, [False, False, *([True] * len(TABLE_NAMES)), False, False, False],
    )
    latest_entry = next((e for e in index.get("versions", []) if e["version"] == latest), None)
    citation = citation_section(latest, latest_entry["created"], f"{latest}/{CITATION_FILE}") if latest_entry else ""
    snippets = loading_snippets(f"{latest}/") if latest else ""
    body = f"""<h1>{escape(str(index.get('title', DATASET_TITLE)))}</h1>
<p>{len(index.get('versions', []))} releases; latest {_link(f'{latest}/index.html', latest) if latest else 'none'}.
Machine-readable catalogue: {_link('index.json', 'index.json')} (sizes and sha256 of every file).</p>
<h2>Releases</h2><div class="scroll">{table}</div>
<h2>Download and check</h2>
<pre>python -m pipeline fetch BASE_URL --to DIR              # the latest release
python -m pipeline fetch BASE_URL --version VERSION --to DIR</pre>
<p class="note">BASE_URL is where this page is served (http, https or file). The command checks every
file against index.json and SHA256SUMS, validates the release, and leaves no partial folder.</p>
<h2>Loading the latest release</h2>{snippets}
{licence_section()}
{citation}"""
    return _page(f"{index.get('title', DATASET_TITLE)} — releases", body)


#: The columns the charts read, per table (the other tables are only counted; never ``documents.text``).
CHART_COLUMNS = {
    "agreements": ["kind", "topic", "year"],
    "monetary_figures": ["doc_id", "currency", "amount", "amount_usd", "usd_missing_reason"],
    "documents": ["doc_id", "published_at"],
    "organisations": ["name", "mention_count"],
}


def chart_frames(tables: Mapping[str, pa.Table | pd.DataFrame]) -> dict[str, pa.Table | pd.DataFrame]:
    """The staged tables with only the chart columns converted to pandas (Arrow tables as
    staged are counted as they are; the documents' texts are never converted)."""
    return {
        name: table.select(CHART_COLUMNS[name]).to_pandas()
        if isinstance(table, pa.Table) and name in CHART_COLUMNS else table
        for name, table in tables.items()
    }


def write_release_page(folder: Path, version: str, created: str, tables: Mapping[str, pa.Table | pd.DataFrame],
                       changes: Mapping[str, Any], kept_charts: Path | None = None) -> Path:
    """Write ``index.html`` into a staged release folder, linking every file it will hold;
    charts drawn before are read from ``kept_charts`` (:func:`charts.kept_svgs`) when given."""
    tables = chart_frames(tables)
    present, _ = folder_entries(folder, frozenset({OWNER_FILE}))
    files = sorted({*present, PAGE_FILE, *WRITTEN_LATER})
    target = folder / PAGE_FILE
    with charts.kept_svgs(kept_charts) if kept_charts is not None else nullcontext():
        page = render_release_page(version, created, tables, changes, files)
    target.write_text(page, encoding="utf-8")
    return target
