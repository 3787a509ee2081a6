"""Reports of a run for people and CI: HTML with charts, Markdown, JSON, JUnit XML and a terminal table.

Reporting reads a scenario, its evidence and its score card, and never asks which backend ran.
matplotlib is imported only when charts are drawn, so importing this package stays cheap.
"""

from gameday.reporting.table import verdict_table
from gameday.reporting.write import ReportPaths, write_reports

__all__ = ["ReportPaths", "verdict_table", "write_reports"]
