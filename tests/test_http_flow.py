"""The HTTP flow declared in a scenario: its located errors, and a real load process running it
against a real HTTP server that records what arrived."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from http_double import http_double

from gameday.errors import InputError
from gameday.evidence.records import RequestRecord
from gameday.flowspecs import HttpFlow, HttpRequest, Wait
from gameday.scenario import load_scenario
from loadprofiles.launcher import LoadProcess

SCENARIO = """\
name: own-api
description: A team's own API under a steady load.
duration: 60s
load:
  shape: steady
  users: 5
  flow:
    http:
      wait: {min: 0.5s, max: 1.5s}
      requests:
        - {name: list, method: GET, path: /catalog, weight: 6, expect_status: 200}
        - {method: POST, path: /checkout, weight: 1, expect_status: [201, 202],
           headers: {X-Test: "1"}, json: {item_id: 1, quantity: 1}}
faults:
  - {kind: kill-tasks, at: 20s, for: 10s, target: {service: orders}, count: 1}
expect:
  - {score: availability, min: 0.9}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def test_the_readme_example_loads(tmp_path: Path) -> None:
    flow = load_scenario(_write(tmp_path, SCENARIO)).load.flow
    assert isinstance(flow, HttpFlow)
    assert flow.wait == Wait(min=0.5, max=1.5)
    listing, checkout = flow.requests
    assert (listing.label, listing.weight, listing.expected(200), listing.expected(201)) == (
        "list",
        6,
        True,
        False,
    )
    assert checkout.label == "POST /checkout" and checkout.json_body == {"item_id": 1, "quantity": 1}
    assert [checkout.expected(s) for s in (200, 201, 202)] == [False, True, True]


def test_defaults_any_2xx_get_weight_one_and_a_constant_wait() -> None:
    flow = HttpFlow.model_validate({"wait": 0, "requests": [{"path": "/health", "method": "get"}]})
    assert flow.wait == Wait(min=0, max=0)
    [request] = flow.requests
    assert request == HttpRequest(method="GET", path="/health", weight=1)
    assert [request.expected(s) for s in (200, 204, 299, 301, 404, 500)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert HttpFlow.model_validate({"requests": [{"path": "/"}]}).wait == Wait(min=0.5, max=1.5)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "method: GET,",
            "method: FETCH,",
            "11: load.flow.http.requests[0].method: Input should be 'GET', 'POST'",
        ),
        (
            "path: /catalog,",
            "path: catalog,",
            "11: load.flow.http.requests[0].path: 'catalog' must start with /",
        ),
        ("weight: 6,", "weight: 0,", "11: load.flow.http.requests[0].weight: must be at least 1"),
        (
            "expect_status: 200}",
            "expect_status: 999}",
            "11: load.flow.http.requests[0].expect_status: 999 is not",
        ),
        (
            "[201, 202]",
            "[]",
            "12: load.flow.http.requests[1].expect_status: needs at least 1 entry, not 0",
        ),
        (
            "[201, 202]",
            "[201, ok]",
            "12: load.flow.http.requests[1].expect_status[1]: Input should be a valid integer",
        ),
        (
            'X-Test: "1"',
            "X-Test: [1]",
            "13: load.flow.http.requests[1].headers.X-Test: Input should be a valid",
        ),
        ("weight: 1,", "weight: 1, body: x,", "12: load.flow.http.requests[1].body: unknown field"),
        ("{min: 0.5s, max: 1.5s}", "{min: 2s, max: 1s}", "9: load.flow.http.wait: max must not be below min"),
        ("{min: 0.5s, max: 1.5s}", "-1s", "9: load.flow.http.wait.min: '-1s' is not a duration"),
        (
            "    http:\n",
            "    htp:\n",
            "7: load.flow: must be one of: shop, http: {requests: [...]}, or {locustfile: FILE}",
        ),
    ],
)
def test_bad_requests_are_located(tmp_path: Path, old: str, new: str, problem: str) -> None:
    assert old in SCENARIO
    path = _write(tmp_path, SCENARIO.replace(old, new))
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{problem}"), str(caught.value)


def test_no_requests_is_an_error(tmp_path: Path) -> None:
    document = yaml.safe_load(SCENARIO)
    document["load"]["flow"]["http"]["requests"] = []
    path = _write(tmp_path, yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(InputError, match=r"load\.flow\.http\.requests: needs at least 1 entry, not 0"):
        load_scenario(path)


def test_the_flow_survives_load_json(tmp_path: Path) -> None:
    load = load_scenario(_write(tmp_path, SCENARIO)).load
    dumped = load.model_dump(mode="json")
    assert dumped["flow"]["http"]["requests"][1]["json"] == {"item_id": 1, "quantity": 1}
    assert type(load).model_validate(dumped) == load


def test_the_load_process_runs_a_declared_flow(tmp_path: Path) -> None:
    """Full speed (wait 0), weighted requests, headers and a JSON body, and a status outside
    ``expect_status`` recorded as a failure named after the request."""
    flow = {
        "http": {
            "wait": 0,
            "requests": [
                {"path": "/items?page=1", "weight": 3},
                {
                    "name": "order",
                    "method": "POST",
                    "path": "/orders",
                    "expect_status": [201, 202],
                    "headers": {"X-Test": "1"},
                    "json": {"item_id": 7},
                },
                {"method": "DELETE", "path": "/broken", "expect_status": 204},
            ],
        }
    }
    config = {
        "host": "",
        "load": {"shape": "steady", "users": 2, "spawn_rate": 10, "flow": flow},
        "duration_s": 3,
        "requests_path": str(tmp_path / "requests.jsonl"),
    }
    with http_double({"/orders": 201, "/broken": 503}) as server:
        (tmp_path / "load.json").write_text(json.dumps({**config, "host": server.url}))
        load = LoadProcess.start(
            tmp_path / "load.json", on_second=lambda _: None, log_path=tmp_path / "load.log"
        )
        try:
            assert load.wait(timeout=60) == 0, (tmp_path / "load.log").read_text()[-3000:]
        finally:
            load.stop()
        received = list(server.received)

    records = [
        RequestRecord.model_validate_json(line)
        for line in (tmp_path / "requests.jsonl").read_text().splitlines()
    ]
    by_name: dict[str, list[RequestRecord]] = {}
    for record in records:
        by_name.setdefault(record.name, []).append(record)
    assert set(by_name) == {"GET /items?page=1", "order", "DELETE /broken"}
    assert all(r.ok and r.status == 200 for r in by_name["GET /items?page=1"])
    assert all(r.ok and r.status == 201 and r.method == "POST" for r in by_name["order"])
    assert all(
        not r.ok and r.status == 503 and r.error and "HTTP 503" in r.error for r in by_name["DELETE /broken"]
    )
    # Weighted 3:1:1 at full speed: thousands of picks, so the most frequent is never in doubt.
    assert len(by_name["GET /items?page=1"]) > max(len(by_name["order"]), len(by_name["DELETE /broken"]))

    orders = [r for r in received if r.path == "/orders"]
    assert orders and all(r.method == "POST" and r.headers.get("X-Test") == "1" for r in orders)
    assert all(json.loads(r.body) == {"item_id": 7} for r in orders)
    assert all(r.headers.get("Content-Type", "").startswith("application/json") for r in orders)
