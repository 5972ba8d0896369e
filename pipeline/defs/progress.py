"""The command line's view of a run: one line per finished step (what it produced, seconds)
and the pipeline's own warnings, read from Dagster's events; Dagster's log lines stay out
unless asked for (``--verbose``). A bar over the steps when the output is a terminal."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from typing import Any, TextIO

import dagster as dg
from tqdm import tqdm

#: Where a progress line goes (the command line prints it to stderr).
Report = Callable[[str], None]
#: First word of the DEBUG lines the per-article steps log: ``articles <step> <done>/<total>``.
ARTICLE_PROGRESS = "articles"


def parse_article_progress(message: str) -> tuple[str, int, int] | None:
    """``(step, done, total)`` of a per-article progress line, else None.

    >>> parse_article_progress("articles organisations 128/10000")
    ('organisations', 128, 10000)
    >>> parse_article_progress("articles are late") is None
    True
    """
    words = message.split(" ")
    if len(words) != 3 or words[0] != ARTICLE_PROGRESS or "/" not in words[2]:
        return None
    done, _, total = words[2].partition("/")
    if not (done.isdigit() and total.isdigit()):
        return None
    return words[1], int(done), int(total)


def check_state(passed: bool, severity: dg.AssetCheckSeverity) -> str:
    """How a check evaluation reads in a progress line.

    >>> check_state(False, dg.AssetCheckSeverity.WARN), check_state(False, dg.AssetCheckSeverity.ERROR)
    ('warning', 'FAILED')
    """
    if passed:
        return "passed"
    return "warning" if severity == dg.AssetCheckSeverity.WARN else "FAILED"


def materialization_summary(asset: str, metadata: dict[str, Any]) -> str:
    """``<asset> <n> rows`` for a table, ``<asset> <version>`` for a release.

    >>> materialization_summary("documents", {"dagster/row_count": 6})
    'documents 6 rows'
    """
    for key, unit in (("dagster/row_count", " rows"), ("version", "")):
        if key in metadata:
            value = getattr(metadata[key], "value", metadata[key])
            return f"{asset} {value}{unit}"
    return asset


class StepProgress(logging.Handler):
    """Turns the records of Dagster's loggers into progress lines for ``report``; a bar of
    ``total_steps`` on ``stream`` when it is a terminal; ``close()`` ends the bar."""

    def __init__(self, report: Report, total_steps: int, stream: TextIO | None = sys.stderr) -> None:
        super().__init__(level=logging.DEBUG)
        self._report = report
        self._parts: dict[str, list[str]] = {}
        self._total = total_steps
        self._done = 0
        self._bar = None
        self._articles: tqdm | None = None  # the bar of the per-article step under way
        self._stream = stream
        if stream is not None and stream.isatty():
            # shutil falls back to 80x24 where the terminal reports no size (tqdm would draw nothing)
            size = shutil.get_terminal_size()
            self._size = size
            self._bar = tqdm(
                total=total_steps, unit="step", file=stream, leave=False, ncols=size.columns, nrows=size.lines
            )

    def _article_progress(self, step: str, done: int, total: int) -> None:
        """Moves the bar of articles of ``step`` (a terminal only; quiet otherwise)."""
        if self._bar is None:
            return
        if self._articles is None or self._articles.desc != step or self._articles.total != total:
            if self._articles is not None:
                self._articles.close()
            self._articles = tqdm(
                total=total, desc=step, unit="article", file=self._stream, leave=False, position=1,
                ncols=self._size.columns, nrows=self._size.lines,
            )
        self._articles.update(done - self._articles.n)
        if done >= total:
            self._articles.close()
            self._articles = None

    def say(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self._bar.fp)
        else:
            self._report(line)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or "run"
        if event is None:
            progress = parse_article_progress(str(meta.get("orig_message", record.getMessage())))
            if progress is not None:
                self._article_progress(*progress)
                return
            if record.levelno >= logging.INFO:  # the pipeline's own context.log lines
                self.say(f"  {step}: {meta.get('orig_message', record.getMessage())}")
            return
        kind = event.event_type_value
        data = event.event_specific_data
        if kind == "ASSET_MATERIALIZATION":
            materialization = data.materialization
            self._parts.setdefault(step, []).append(
                materialization_summary(materialization.asset_key.to_user_string(), dict(materialization.metadata))
            )
        elif kind == "ASSET_CHECK_EVALUATION":
            state = check_state(data.passed, data.severity)
            detail = f" ({data.description})" if data.description and not data.passed else ""
            self._parts.setdefault(step, []).append(f"{data.check_name} {state}{detail}")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            seconds = f" ({data.duration_ms / 1000:.1f} s)" if getattr(data, "duration_ms", None) else ""
            outcome = {"STEP_FAILURE": "failed", "STEP_SKIPPED": "skipped"}.get(kind)
            parts = ", ".join(self._parts.pop(step, [])) or step
            self._done += 1
            self.say(f"[{self._done}/{self._total}] {step + ' ' + outcome + ': ' if outcome else ''}{parts}{seconds}")
            if self._bar is not None:
                self._bar.update(1)

    def close(self) -> None:
        if self._articles is not None:
            self._articles.close()
            self._articles = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        super().close()


def progress_logger(handler: StepProgress) -> dg.LoggerDefinition:
    """A Dagster logger that hands every record of the run to ``handler``."""

    @dg.logger(description="Progress lines for the command line.")
    def progress(_context: dg.InitLoggerContext) -> logging.Logger:
        log = logging.Logger("pipeline.progress", level=logging.DEBUG)
        log.addHandler(handler)
        return log

    return progress
