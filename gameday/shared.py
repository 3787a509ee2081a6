"""The types many modules share, each defined once here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

PhaseName = Literal["baseline", "fault", "recovery"]
"""A phase of a run: before the first fault, while faults are applied, after the last one ends."""

GradedPhase = PhaseName | Literal["all"]
"""The phase an expectation grades: one of the three, or the whole run."""

Span = tuple[float, float]
"""``(start, end)`` in epoch seconds: a landed fault's window, as trace collection keeps it whole.
(Scores measure over :class:`gameday.scoring.windows.Window`, which also names the window.)"""


class Strict(BaseModel):
    """Frozen and closed: an unknown field is a typo the user must hear about, and a validated value
    cannot change under the code that checked it. Fields with an alias (``for``) take their name too."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
