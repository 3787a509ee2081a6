"""``via: fis`` on an AWS target: the scenario fault or template file as one FIS experiment.

A kind gives either one FIS action (``fis``, put in a template here) or a whole template of its
own (``fis_template``, as a template file does).
"""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient

from faults.catalogue import kind_of
from faults.fis.builder import build_template
from faults.fis.parts import Template
from faults.fis.runner import FisExperimentInjector
from gameday.targets import AwsTarget


def fis_template_for(fault: Any, target: AwsTarget, *, run_id: str, fault_id: str) -> Template:
    """The CreateExperimentTemplate input a fault runs as on ``target``; InputError when it cannot."""
    whole = kind_of(fault).fis_template
    if whole is not None:
        return whole(fault, target, run_id, fault_id)
    return build_template(fault, target, run_id=run_id, fault_id=fault_id)


def fis_injector(
    fault: Any, target: AwsTarget, fis: BaseClient, *, run_id: str, fault_id: str
) -> FisExperimentInjector:
    """The injector; the template is built now, so a bad fault is an error before the run starts."""
    template = fis_template_for(fault, target, run_id=run_id, fault_id=fault_id)
    return FisExperimentInjector(
        template, fis, fault_id=fault_id, run_id=run_id, summary=f"{fault.kind} on {fault.target_label}"
    )
