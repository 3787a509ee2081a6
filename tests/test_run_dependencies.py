"""Dependency names: what a scenario may write, how a target maps them, and the error before a run
when a target cannot map one."""

from __future__ import annotations

from pathlib import Path

import pytest
from localcloud_apps.stacks import service_with, state_with

from gameday.errors import InputError
from gameday.localcloud.api import QueueState
from gameday.localcloud.dependency_map import dependency_map, dependency_names
from gameday.localcloud.stack import load_stack
from gameday.run.dependencies import check_dependencies
from gameday.scenario import load_scenario
from gameday.scoring.breakers import BreakerShedExpectation
from gameday.targets import AwsTarget, LocalTarget
from gameday.traces import read_traces
from gameday.traces.dependencies import DependencyMatch

ROOT = Path(__file__).resolve().parent.parent
SHOP = LocalTarget(kind="localcloud", stack=ROOT / "gameday" / "shop" / "stack.yaml")


def _scenario(tmp_path: Path, *dependencies: str) -> Path:
    """The catalogue's CI breaker scenario, grading the given dependency names."""
    text = (ROOT / "scenarios" / "ci-catalog-breaker.yaml").read_text()
    head = text[: text.index("expect:")]
    lines = [f"  - {{score: breaker_shed, dependency: {name!r}, min: 0.25}}" for name in dependencies]
    path = tmp_path / "scenario.yaml"
    path.write_text(
        head + "expect:\n  - {score: availability, phase: baseline, min: 0.9}\n" + "\n".join(lines) + "\n"
    )
    return path


def _aws(dependencies: dict[str, object]) -> AwsTarget:
    return AwsTarget.model_validate(
        {
            "kind": "aws",
            "region": "eu-west-1",
            "account_allowlist": ["111122223333"],
            "entry_url": "https://shop.example.com",
            "dependencies": dependencies,
        }
    )


def test_the_shop_stack_names_its_services_and_its_queue() -> None:
    names = dependency_names(load_stack(ROOT / "gameday" / "shop" / "stack.yaml"))
    assert names == {"catalog": "service catalog", "orders": "service orders", "orders-queue": "queue orders"}


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_catalogue_scenario_grades_dependencies_the_shop_has(path: Path) -> None:
    check_dependencies(path, load_scenario(path), "local", SHOP)


def test_a_dependency_the_stack_lacks_is_a_located_error_naming_the_known_ones(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "catalog", "payments")
    with pytest.raises(InputError) as caught:
        check_dependencies(path, load_scenario(path), "local", SHOP)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), 35, "expect[2].dependency")
    assert "'payments' is not a dependency of the stack" in problem.message
    assert "known: catalog, orders, orders-queue" in problem.message


def test_an_aws_target_must_map_every_graded_dependency_and_says_how(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "catalog", "DynamoDB")
    scenario = load_scenario(path)
    check_dependencies(
        path, scenario, "staging", _aws({"catalog": "catalog.internal", "DynamoDB": {"aws": "DynamoDB"}})
    )
    with pytest.raises(InputError) as caught:
        check_dependencies(path, scenario, "staging", _aws({"catalog": "catalog.internal"}))
    (problem,) = caught.value.problems
    assert problem.field == "expect[2].dependency"
    assert "target 'staging' maps (known: catalog)" in problem.message
    assert "map it under the target's dependencies" in problem.message


@pytest.mark.parametrize(
    "name", ["127.0.0.1", "catalog.internal", "catalog:8080", "api.example.com", "DynamoDB"]
)
def test_a_scenario_accepts_the_names_sdks_give_dependencies(tmp_path: Path, name: str) -> None:
    graded = load_scenario(_scenario(tmp_path, name)).expect[1]
    assert isinstance(graded, BreakerShedExpectation) and graded.dependency == name


@pytest.mark.parametrize("name", [" catalog", "catalog ", "", "cat<alog>", "x" * 201])
def test_a_scenario_refuses_a_dependency_name_xray_could_not_show(tmp_path: Path, name: str) -> None:
    path = _scenario(tmp_path, name)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.line == 34 and problem.field == "expect[1].dependency"


def test_a_target_entry_is_a_name_or_host_one_match_or_several() -> None:
    target = _aws(
        {
            "catalog": "catalog.internal",
            "orders": {"host": "orders.internal:8080"},
            "orders-table": [{"aws": "DynamoDB", "resource": "orders"}, {"annotation": "orders-table"}],
        }
    )
    assert target.dependencies["catalog"] == [
        DependencyMatch(name="catalog.internal"),
        DependencyMatch(host="catalog.internal"),
    ]
    assert target.dependencies["orders"] == [DependencyMatch(host="orders.internal:8080")]
    assert target.dependencies["orders-table"] == [
        DependencyMatch(aws="DynamoDB", resource="orders"),
        DependencyMatch(annotation="orders-table"),
    ]


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"host": "a", "name": "b"}, "exactly one of name, host, url, aws or annotation (got name, host)"),
        ({"resource": "orders"}, "exactly one of"),
        ({"name": "a", "resource": "orders"}, "resource narrows aws"),
        ({"url": "catalog.internal/x"}, "'catalog.internal/x' is not an http:// or https:// URL"),
        ({"host": "http://catalog:8080"}, "is not a host or host:port (for a URL prefix, give url)"),
        ({"hots": "a"}, "unknown field"),
        (7, "give a node name or host, one match"),
    ],
)
def test_a_wrong_target_entry_is_a_located_error(tmp_path: Path, entry: object, says: str) -> None:
    from gameday.targets import load_target

    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n  staging:\n    kind: aws\n    region: eu-west-1\n"
        "    account_allowlist: ['111122223333']\n    entry_url: https://shop.example.com\n"
        f"    dependencies:\n      catalog: {entry}\n"
    )
    with pytest.raises(InputError) as caught:
        load_target(path, "staging")
    (problem,) = caught.value.problems
    assert problem.line == 8 and problem.field.startswith("targets.staging.dependencies.catalog"), str(
        problem
    )
    assert "[0]" not in problem.field and says in problem.message, str(problem)


def test_the_running_stack_maps_each_dependency_to_its_listeners_and_queue() -> None:
    state = state_with(
        {name: service_with([]) for name in ("bff", "catalog", "orders", "worker")},
        paths={
            "bff->catalog": "http://127.0.0.1:41001",
            "bff->orders": "http://127.0.0.1:41002",
            "worker->catalog": "http://127.0.0.1:41003",
        },
        queues={
            "orders": QueueState(
                url="http://127.0.0.1:4566/000000000000/orders", visible=0, in_flight=0, delayed=0
            )
        },
    )
    mapped = dependency_map(state)
    assert set(mapped) == {"catalog", "orders", "orders-queue"}
    assert DependencyMatch(host="127.0.0.1:41001") in mapped["catalog"]
    assert DependencyMatch(host="127.0.0.1:41003") in mapped["catalog"]
    assert DependencyMatch(host="127.0.0.1:41002") not in mapped["catalog"]
    assert mapped["orders-queue"] == [DependencyMatch(aws="sqs", resource="orders")]
    # what the SDKs record for these: an aiohttp attempt by host, a botocore SQS call by queue URL
    documents = [
        {
            "trace_id": "1-6b000000-000000000000000000000001",
            "id": "a000000000000001",
            "name": "bff",
            "start_time": 100.0,
            "end_time": 101.0,
            "subsegments": [
                {
                    "id": "b000000000000001",
                    "name": "127.0.0.1",
                    "namespace": "remote",
                    "start_time": 100.1,
                    "end_time": 100.2,
                    "http": {"request": {"method": "GET", "url": "http://127.0.0.1:41002/orders/1"}},
                },
                {
                    "id": "b000000000000002",
                    "name": "sqs",
                    "namespace": "aws",
                    "start_time": 100.3,
                    "end_time": 100.4,
                    "aws": {
                        "operation": "SendMessage",
                        "queue_url": "http://127.0.0.1:4566/000000000000/orders",
                    },
                },
            ],
        }
    ]
    reading = read_traces(documents, mapped)
    assert [call.dependency for call in reading.calls] == ["orders", "orders-queue"]
