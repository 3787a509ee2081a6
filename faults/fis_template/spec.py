"""The ``fis-template`` scenario entry: an existing AWS FIS experiment template file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gameday.errors import InputError
from gameday.faultspecs import FaultBase, Via
from gameday.fis_template import read_template_file
from gameday.fis_timeline import template_run_s
from gameday.yamlfile import SeveralProblems


class FisTemplateFile(FaultBase):
    """Run an existing AWS FIS experiment template (JSON file) as this fault.

    gameday still adds load, evidence and scoring. On localcloud each supported action is
    translated to the local provider; an unsupported action is an error before the run starts.
    """

    kind: Literal["fis-template"]
    file: Path = Field(description="JSON file, relative to the scenario file's folder")
    via: Via = "fis"
    skip_on_localcloud: list[str] = Field(
        default_factory=list,
        description="names of the template's actions localcloud has no equivalent for, left out on "
        "localcloud (the outcome names them); on AWS every action runs",
    )

    @field_validator("file")
    @classmethod
    def _readable_json(cls, file: Path, info: ValidationInfo) -> Path:
        """Resolved against ``scenario_dir`` (the validation context) and checked as FIS would, if given."""
        folder = (info.context or {}).get("scenario_dir")
        if folder is None:
            return file  # a run folder's copy of the scenario: the template was checked when it ran
        resolved = file if file.is_absolute() else Path(folder) / file
        try:
            read_template_file(resolved)
        except InputError as error:  # the template's own lines, under the scenario's `file:` line
            raise SeveralProblems(error.problems) from None
        return resolved

    @model_validator(mode="after")
    def _fis_only(self) -> FisTemplateFile:
        if self.via == "api":
            raise ValueError("a FIS template runs through FIS; use via: fis")
        return self

    @model_validator(mode="after")
    def _window_covers_the_template(self, info: ValidationInfo) -> FisTemplateFile:
        """gameday stops the experiment when ``for`` ends: a longer template would be cut short."""
        if (info.context or {}).get("scenario_dir") is None:
            return self  # a run folder's copy: the file was checked when the run started
        runs = template_run_s(read_template_file(self.file))
        if runs is not None and runs > self.for_:
            raise ValueError(
                f"for is {self.for_:g}s but the template's waits and actions take {runs:g}s: "
                f"{runs - self.for_:g}s short (gameday stops the experiment when for ends)"
            )
        return self

    @model_validator(mode="after")
    def _skips_name_actions(self, info: ValidationInfo) -> FisTemplateFile:
        if not self.skip_on_localcloud or (info.context or {}).get("scenario_dir") is None:
            return self
        actions = read_template_file(self.file)["actions"]
        unknown = [name for name in self.skip_on_localcloud if name not in actions]
        if unknown:
            raise ValueError(
                f"skip_on_localcloud names {', '.join(unknown)}, not actions of {self.file.name} "
                f"(its actions: {', '.join(actions)})"
            )
        return self

    @property
    def target_label(self) -> str:
        return f"fis-template:{self.file.name}"
