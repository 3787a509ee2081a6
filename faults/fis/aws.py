"""``via: fis`` on an AWS target: the scenario fault or template file as one FIS experiment."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient

from faults.fis.builder import Template, build_template
from faults.fis.runner import FisExperimentInjector
from faults.fis.template_file import complete_template, read_template
from gameday.faultspecs import FisTemplateFile
from gameday.targets import AwsTarget


def fis_template_for(fault: Any, target: AwsTarget, *, run_id: str, fault_id: str) -> Template:
    """The CreateExperimentTemplate input a fault runs as on ``target``; InputError when it cannot."""
    if isinstance(fault, FisTemplateFile):
        return complete_template(read_template(fault.file), target, run_id=run_id, fault_id=fault_id)
    return build_template(fault, target, run_id=run_id, fault_id=fault_id)


def fis_injector(
    fault: Any, target: AwsTarget, fis: BaseClient, *, run_id: str, fault_id: str
) -> FisExperimentInjector:
    """The injector; the template is built now, so a bad fault is an error before the run starts."""
    template = fis_template_for(fault, target, run_id=run_id, fault_id=fault_id)
    return FisExperimentInjector(
        template, fis, fault_id=fault_id, run_id=run_id, summary=f"{fault.kind} on {fault.target_label}"
    )
