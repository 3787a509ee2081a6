"""Shared pieces of the FIS tests: an AWS target, botocore's own check of a template, a scenario
file around fault entries, an account answered by botocore's Stubber."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore.session
import yaml
from botocore.client import BaseClient
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from gameday.targets import AwsPath, AwsTarget, EcsService

REGION = "eu-west-1"
ROLE = "arn:aws:iam::111122223333:role/gameday-fis"
ALARM = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:shop-5xx"


def aws_target(**changes: Any) -> AwsTarget:
    fields: dict[str, Any] = {
        "kind": "aws",
        "region": REGION,
        "account_allowlist": ["111122223333"],
        "entry_url": "https://shop.example.com",
        "services": {
            "orders": EcsService(cluster="shop", service="orders"),
            "bff": EcsService(cluster="shop", service="bff"),
        },
        "paths": {
            "bff->orders": AwsPath(port=8080, subnets=["subnet-0a", "subnet-0b"]),
            "bff->catalog": AwsPath(port=8081),
            "bff->pricing": AwsPath.model_validate({"lambda": "pricing-fn"}),
        },
        "fis_role_arn": ROLE,
        "stop_alarms": [ALARM],
    }
    fields.update(changes)
    return AwsTarget(**fields)


def create_template_problems(template: dict[str, Any]) -> str:
    """botocore's validation report for a CreateExperimentTemplate input ('' when it is valid)."""
    model = botocore.session.get_session().get_service_model("fis")
    shape = model.operation_model("CreateExperimentTemplate").input_shape
    report = ParamValidator().validate({"clientToken": "token", **template}, shape)
    return str(report.generate_report()) if report.has_errors() else ""


def scenario_with(folder: Path, faults: list[dict[str, Any]], duration: str = "5m") -> Path:
    """``folder/scenario.yaml``: a valid scenario of ``duration`` holding ``faults``."""
    path = folder / "scenario.yaml"
    scenario = {
        "name": "fis-check",
        "description": "FIS faults",
        "duration": duration,
        "load": {"shape": "step", "users": 1, "step_users": 0, "step_every": "10s", "max_users": 1},
        "faults": faults,
        "expect": [{"score": "availability", "min": 0.9}],
    }
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    return path


class StubbedAccount:
    """An account answered by botocore's Stubber: one client per service, the calls a test expects.

    Called with a service name it is the ``clients`` gameday's pre-flight takes; calls that were not
    queued, in another order or with other parameters fail the test.
    """

    def __init__(self) -> None:
        self._session = botocore.session.Session()
        self._stubbers: dict[str, Stubber] = {}

    def __call__(self, service: str) -> BaseClient:
        return self._stubber(service).client

    def expect(
        self, service: str, operation: str, response: dict[str, Any], params: dict[str, Any] | None = None
    ) -> StubbedAccount:
        self._stubber(service).add_response(operation, response, params)
        return self

    def expect_error(self, service: str, operation: str, code: str, message: str) -> StubbedAccount:
        self._stubber(service).add_client_error(operation, code, message)
        return self

    def assert_all_answered(self) -> None:
        for stubber in self._stubbers.values():
            stubber.assert_no_pending_responses()

    def _stubber(self, service: str) -> Stubber:
        if service not in self._stubbers:
            stubber = Stubber(self._session.create_client(service, region_name=REGION))
            stubber.activate()
            self._stubbers[service] = stubber
        return self._stubbers[service]
