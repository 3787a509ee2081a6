"""report.html and summary.md from one :class:`ReportView`, through the jinja2 templates next to this file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from gameday.evidence.records import Verdict
from gameday.reporting.view import ReportView

TEMPLATES = Path(__file__).parent

VERDICT_COLOURS = {
    Verdict.PASS.value: "#1a7f37",
    Verdict.FAIL.value: "#cf222e",
    Verdict.INCONCLUSIVE.value: "#9a6700",
    Verdict.INVALID.value: "#8250df",
    Verdict.ABORTED.value: "#57606a",
}
"""Green is for PASS only: nothing else may look green at a glance."""


def markdown_cell(text: str) -> str:
    """Keep a value inside its Markdown table cell: a ``|`` or a newline would break the row."""
    return text.replace("|", "\\|").replace("\n", " ")


@cache
def templates() -> jinja2.Environment:
    """The jinja2 environment of every page gameday renders (run reports and the history page)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["cell"] = markdown_cell
    return environment


def render_html(view: ReportView) -> str:
    return templates().get_template("report.html.j2").render(v=view, colours=VERDICT_COLOURS)


def render_markdown(view: ReportView) -> str:
    return templates().get_template("summary.md.j2").render(v=view)
