"""Which AWS operations gameday's own code calls, recorded while the AWS suites run.

Every botocore client made in the session gets a ``before-call`` hook (botocore's event system).
A call is gameday's when a frame of gameday's packages (not of the tests) is on the stack: the
tests' own set-up calls (creating a cluster, running tasks in moto) are not what the runner does.
Each call is kept with the test module that made it; :mod:`tests.test_iam_policy` holds the
generated policy to them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.client
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAVE_TO = "GAMEDAY_AWS_CALLS_FILE"  # a session run for its recording writes it there at its end
OWN_CODE = tuple(str(ROOT / package) + "/" for package in ("gameday", "faults"))


@dataclass(frozen=True)
class RecordedCall:
    module: str  # the test module, e.g. test_faults_queue_aws
    service: str  # the IAM service prefix (botocore's signing name)
    operation: str


class AwsCallRecorder:
    def __init__(self) -> None:
        self.calls: set[RecordedCall] = set()
        self.modules_run: set[str] = set()
        self.module = ""

    def start_test(self, module: str) -> None:
        self.module = module
        self.modules_run.add(module)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps([call.__dict__ for call in sorted(self.calls, key=repr)]))

    @staticmethod
    def load(path: Path) -> set[RecordedCall]:
        return {RecordedCall(**call) for call in json.loads(path.read_text())}

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        if self.module and _called_by_own_code():
            service = model.service_model.signing_name
            self.calls.add(RecordedCall(self.module, service, model.name))


AWS_CALLS = pytest.StashKey[AwsCallRecorder]()


def _called_by_own_code() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(OWN_CODE):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


@contextmanager
def recording(recorder: AwsCallRecorder) -> Iterator[None]:
    """Attach ``recorder`` to every client botocore creates inside the block."""
    create = botocore.client.ClientCreator.create_client

    def create_and_attach(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create(self, *args, **kwargs)
        recorder.attach(client)
        return client

    botocore.client.ClientCreator.create_client = create_and_attach
    try:
        yield
    finally:
        botocore.client.ClientCreator.create_client = create
