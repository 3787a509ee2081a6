"""GitHub Actions' job summary: a run's summary.md on the page of the job that ran it.

Actions names a file in ``GITHUB_STEP_SUMMARY`` for each step; Markdown appended to it shows on
the run's page, so a team sees each game day's verdict table without opening an artifact. The
summary is a courtesy: a file that cannot be written is a warning, never a failed run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"


def append_step_summary(
    summary_md: Path, warn: Callable[[str], None], environ: Mapping[str, str] = os.environ
) -> None:
    """Append ``summary_md`` to the file ``$GITHUB_STEP_SUMMARY`` names, if it names one."""
    destination = environ.get(STEP_SUMMARY)
    if not destination:
        return
    try:
        text = summary_md.read_text(encoding="utf-8")
        with open(destination, "a", encoding="utf-8") as summary:
            summary.write(text.rstrip("\n") + "\n\n")  # a blank line before the next run's summary
    except OSError as error:
        reason = error.strerror or str(error)
        warn(f"warning: the summary was not added to ${STEP_SUMMARY} ({destination}): {reason}")
