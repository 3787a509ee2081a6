"""Run folders in S3 (moto's S3): upload with a manifest, retries, report and rollback read back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_fault_run import REGION, TARGET, client, killed_run, mocked_account
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from test_faults_queue_aws import delay_of, fault, injector, sqs_queue, target

from bench.synthetic_run import write_synthetic_run
from gameday import api
from gameday.aws_session import client_hook
from gameday.cli import main
from gameday.errors import EnvironmentProblem, InputError
from gameday.evidence.records import Verdict
from gameday.exit_codes import run_exit_code
from gameday.s3reports.destination import reports_destination
from gameday.s3reports.location import S3Location, parse_reports, parse_s3
from gameday.s3reports.remote_run import parse_run_url
from gameday.s3reports.store import S3Reports, UploadFailed

BUCKET = "shop-gameday-runs"
LOCATION = S3Location(BUCKET, "nightly/staging")


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mocked_account(monkeypatch):
        s3 = client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield s3


def keys(s3: Any, prefix: str = "") -> list[str]:
    return sorted(
        item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    )


def body(s3: Any, key: str) -> bytes:
    data: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return data


def scored_run(folder: Path, run_id: str = "20261204T030000Z-synthetic") -> Path:
    run_dir = folder / "runs" / run_id
    write_synthetic_run(run_dir, 150)
    api.report(run_dir)
    return run_dir


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://shop-runs", S3Location("shop-runs", "")),
        ("s3://shop-runs/nightly/staging/", S3Location("shop-runs", "nightly/staging")),
        ("reports", Path("reports")),
    ],
)
def test_reports_locations_parse(text: str, expected: object) -> None:
    assert parse_reports(text) == expected


@pytest.mark.parametrize("text", ["s3://", "s3://UPPER/x", "s3://a/x", "s3://bad_bucket/x", "s3://a..b/x"])
def test_a_malformed_s3_location_is_one_clear_line(text: str) -> None:
    with pytest.raises(InputError, match="not an S3 location: write s3://BUCKET/PREFIX"):
        parse_s3(text)


def test_run_urls_name_a_run_or_latest() -> None:
    assert parse_run_url("s3://b-1/p/q/runs/RUN") == (S3Location("b-1", "p/q"), "RUN")
    assert parse_run_url("s3://b-1/latest") == (S3Location("b-1", ""), None)
    with pytest.raises(InputError, match="not a run folder in S3"):
        parse_run_url("s3://b-1/p/RUN")


def test_a_run_folder_goes_up_with_a_manifest_written_last_and_latest_naming_it(
    bucket: Any, tmp_path: Path
) -> None:
    run_dir = scored_run(tmp_path)

    url = S3Reports(LOCATION).upload_run(run_dir)

    assert url == f"s3://{BUCKET}/nightly/staging/runs/{run_dir.name}"
    prefix = f"nightly/staging/runs/{run_dir.name}/"
    local_files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    assert keys(bucket, prefix) == sorted([prefix + name for name in [*local_files, "manifest.json"]])
    manifest = json.loads(body(bucket, prefix + "manifest.json"))
    assert sorted(entry["path"] for entry in manifest["files"]) == local_files
    scores = next(entry for entry in manifest["files"] if entry["path"] == "scores.json")
    assert scores["size"] == (run_dir / "scores.json").stat().st_size
    assert body(bucket, "nightly/staging/latest") == run_dir.name.encode()


def test_report_reads_the_run_back_from_s3_checks_it_and_puts_new_reports_up(
    bucket: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = scored_run(tmp_path / "task")
    first = json.loads((run_dir / "scores.json").read_text())
    S3Reports(LOCATION).upload_run(run_dir)
    put: list[str] = []

    def record_puts(client: BaseClient) -> None:
        client.meta.events.register(
            "provide-client-params.s3.PutObject", lambda params, **_: put.append(params["Key"])
        )

    copy = tmp_path / "laptop"
    with client_hook(record_puts):
        exit_code = main(["report", f"s3://{BUCKET}/nightly/staging/latest", "--local-reports", str(copy)])

    assert exit_code == {"PASS": 0, "FAIL": 1}.get(first["verdict"], 3)
    local = copy / "runs" / run_dir.name
    assert json.loads((local / "scores.json").read_text()) == first
    prefix = f"nightly/staging/runs/{run_dir.name}/"
    assert {prefix + "report.html", prefix + "scores.json", prefix + "manifest.json"} <= set(put)
    assert f"local copy: {local}" in capsys.readouterr().err


def test_a_file_the_manifest_lists_but_s3_lacks_is_named(bucket: Any, tmp_path: Path) -> None:
    run_dir = scored_run(tmp_path / "task")
    S3Reports(LOCATION).upload_run(run_dir)
    bucket.delete_object(Bucket=BUCKET, Key=f"nightly/staging/runs/{run_dir.name}/report.html")

    with pytest.raises(EnvironmentProblem, match=r"report\.html: listed in the run's manifest but not in S3"):
        S3Reports(LOCATION).download_run(run_dir.name, tmp_path / "copy")


def test_a_download_that_does_not_match_its_manifest_is_refused(bucket: Any, tmp_path: Path) -> None:
    run_dir = scored_run(tmp_path / "task")
    store = S3Reports(LOCATION)
    store.upload_run(run_dir)
    bucket.put_object(Bucket=BUCKET, Key=f"nightly/staging/runs/{run_dir.name}/scores.json", Body=b"{}")

    with pytest.raises(EnvironmentProblem, match=r"scores\.json: does not match the run's manifest"):
        store.download_run(run_dir.name, tmp_path / "copy")


def test_a_run_without_a_manifest_is_named_incomplete(bucket: Any, tmp_path: Path) -> None:
    bucket.put_object(Bucket=BUCKET, Key="nightly/staging/runs/R1/ledger.jsonl", Body=b"")
    assert main(["report", f"s3://{BUCKET}/nightly/staging/runs/R1", "--local-reports", str(tmp_path)]) == 2
    with pytest.raises(InputError, match="no complete run folder there"):
        S3Reports(LOCATION).download_run("R1", tmp_path)


def test_a_missing_bucket_is_bad_input_before_anything_runs(bucket: Any, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no bucket named shop-missing"):
        S3Reports(S3Location("shop-missing", "x")).probe()
    scenario = Path(__file__).parent.parent / "scenarios" / "ci-orders-kill-one.yaml"
    code = main(["run", str(scenario), "--reports", "s3://shop-missing/x", "--local-reports", str(tmp_path)])
    assert code == 2
    assert not (tmp_path / "runs").exists()


class FailingPuts:
    """A connection that drops under the first ``failures`` PutObject requests."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0

    def __call__(self, **_: Any) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise EndpointConnectionError(endpoint_url="https://s3.eu-west-1.amazonaws.com")


def single_attempt_client() -> Any:
    """No retries inside botocore, so the retries seen are gameday's own."""
    return boto3.client("s3", region_name=REGION, config=Config(retries={"total_max_attempts": 1}))


def test_an_interrupted_upload_is_retried_until_it_goes_through(bucket: Any, tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "R1"
    run_dir.mkdir(parents=True)
    (run_dir / "ledger.jsonl").write_text('{"event": "intent"}\n')
    s3 = single_attempt_client()
    drops = FailingPuts(2)
    s3.meta.events.register("before-send.s3.PutObject", drops)

    S3Reports(LOCATION, s3).upload_run(run_dir)

    assert drops.attempts == 2 + 3  # two dropped, then the ledger, the manifest and latest
    assert body(bucket, "nightly/staging/runs/R1/ledger.jsonl") == b'{"event": "intent"}\n'


def test_an_upload_that_never_goes_through_names_what_and_keeps_the_verdict_honest(
    bucket: Any, tmp_path: Path
) -> None:
    run_dir = tmp_path / "runs" / "R1"
    run_dir.mkdir(parents=True)
    (run_dir / "scores.json").write_text("{}")
    s3 = single_attempt_client()
    s3.meta.events.register("before-send.s3.PutObject", FailingPuts(100))

    with pytest.raises(UploadFailed, match=r"1 file\(s\) did not reach s3://.*/runs/R1: scores.json"):
        S3Reports(LOCATION, s3).upload_run(run_dir)
    assert "nightly/staging/runs/R1/manifest.json" not in keys(bucket)
    assert run_exit_code(Verdict.PASS, uploaded=False) == 3  # a PASS nobody can read later is no green
    assert run_exit_code(Verdict.FAIL, uploaded=False) == 1


def test_the_ledger_reaches_s3_while_the_run_goes_and_the_folder_after(bucket: Any, tmp_path: Path) -> None:
    with reports_destination(f"s3://{BUCKET}/nightly/staging", tmp_path) as destination:
        run_dir = destination.local / "runs" / "20261204T030000Z-orders"
        run_dir.mkdir(parents=True)
        (run_dir / "ledger.jsonl").write_text('{"event": "intent"}\n')
        ledger_key = f"nightly/staging/runs/{run_dir.name}/ledger.jsonl"
        deadline = time.monotonic() + 10
        while ledger_key not in keys(bucket) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ledger_key in keys(bucket), "the ledger did not go up while the run was going"
        assert f"nightly/staging/runs/{run_dir.name}/manifest.json" not in keys(bucket)
        (run_dir / "scores.json").write_text("{}")

    assert destination.uploaded
    assert destination.url == f"s3://{BUCKET}/nightly/staging/runs/{run_dir.name}"
    assert f"nightly/staging/runs/{run_dir.name}/manifest.json" in keys(bucket)


def killed_run_in_s3(tmp_path: Path) -> tuple[str, Path]:
    """A queue delayed to 60 s by a run killed after inject, whose ledger and plan reached S3."""
    url = sqs_queue(delay="5")
    killed = killed_run(
        tmp_path / "task",
        target({"url": url}),
        injector(fault("delay", delay=60), {"url": url}),
        "throttle-queue",
        "queue:orders",
    )
    S3Reports(LOCATION).push_rollback_files(killed)
    return url, killed


def test_rollback_reverts_a_killed_runs_fault_from_s3_alone(bucket: Any, tmp_path: Path) -> None:
    """The task that ran it is gone: only the ledger and plan it mirrored to S3 are left."""
    url, killed = killed_run_in_s3(tmp_path)
    assert delay_of(url) == "60"
    fresh = tmp_path / "laptop"
    targets = str(tmp_path / "task" / "targets.yaml")

    code = main(
        [
            "rollback",
            "--reports",
            f"s3://{BUCKET}/nightly/staging",
            "--local-reports",
            str(fresh),
            "--targets",
            targets,
        ]
    )

    assert code == 0
    assert delay_of(url) == "5"
    ledger = body(bucket, f"nightly/staging/runs/{killed.name}/ledger.jsonl").decode()
    assert [json.loads(line)["event"] for line in ledger.splitlines()][-1] == "reverted"
    run_url = f"s3://{BUCKET}/nightly/staging/runs/{killed.name}"
    assert main(["rollback", run_url, "--local-reports", str(fresh), "--targets", targets]) == 0
    assert main(["rollback", f"s3://{BUCKET}/nightly/staging/runs/NONE", "--local-reports", str(fresh)]) == 2


def test_a_run_refuses_a_target_another_machines_run_left_faults_on(
    bucket: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The killed run's ledger is only in S3: a run on another machine must still see it and refuse."""
    url, killed = killed_run_in_s3(tmp_path)
    scenario = tmp_path / "delay.yaml"
    scenario.write_text(
        "name: delay\ndescription: the queue delayed\nduration: 20s\nload: {shape: steady, users: 1}\n"
        "faults:\n"
        "  - {kind: throttle-queue, at: 5s, for: 10s, target: {queue: orders}, mode: delay, delay: 30s}\n"
        "expect:\n  - {score: availability, min: 0.5}\n"
    )
    fresh = tmp_path / "laptop"
    targets = str(tmp_path / "task" / "targets.yaml")

    code = main(
        [
            "run",
            str(scenario),
            "--target",
            TARGET,
            "--targets",
            targets,
            "--reports",
            f"s3://{BUCKET}/nightly/staging",
            "--local-reports",
            str(fresh),
        ]
    )

    assert code == 2
    assert f"has 1 unreverted fault from run {killed.name}" in capsys.readouterr().err
    assert delay_of(url) == "60"  # nothing was touched, the fault stays for rollback
    assert [p.name for p in (fresh / "runs").iterdir()] == [killed.name]  # only the fetched ledger
