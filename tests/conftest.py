"""Fixtures shared by the end-to-end tests: the real shop on localcloud, on free ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from aws_call_recorder import AWS_CALLS, SAVE_TO, AwsCallRecorder, recording
from shop_target import write_shop_stack

from gameday.localcloud.launcher import RunningLocalcloud, start_localcloud
from gameday.processes import pid_alive


@pytest.fixture(scope="module")
def shop_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop stack file with its entry on a free port, so a running demo never collides."""
    return write_shop_stack(tmp_path_factory.mktemp("shop"))


@pytest.fixture(scope="module")
def shop(shop_stack: Path) -> Iterator[RunningLocalcloud]:
    """One localcloud running the shop per test module; each module starts from a fresh stack."""
    running = start_localcloud(shop_stack, 0, detached=False, log_path=shop_stack.parent / "localcloud.log")
    try:
        yield running
    finally:
        running.stop()
    assert not pid_alive(running.pid)


# Every AWS call gameday's code makes in the session is recorded, for tests/test_iam_policy.py,
# which runs after every other test so that it sees the whole session's calls.
_recording = ExitStack()


def pytest_configure(config: pytest.Config) -> None:
    recorder = AwsCallRecorder()
    config.stash[AWS_CALLS] = recorder
    _recording.enter_context(recording(recorder))


def pytest_unconfigure(config: pytest.Config) -> None:
    _recording.close()
    if os.environ.get(SAVE_TO) and AWS_CALLS in config.stash:
        config.stash[AWS_CALLS].save(Path(os.environ[SAVE_TO]))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[AWS_CALLS].start_test(item.path.stem)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("after_aws_suites") is not None)
