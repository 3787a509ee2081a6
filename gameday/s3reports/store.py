"""Reading and writing run folders in an S3 bucket.

A run folder in S3 is ``prefix/runs/<run id>/`` with the files of the local one, and a
``manifest.json`` (each file's path, size and SHA-256) written last: a folder without a manifest
is an upload that did not finish, and a download is checked against it. ``prefix/latest`` names
the newest complete run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from gameday.aws_session import default_client, describe_error, is_throttle
from gameday.errors import EnvironmentProblem, GamedayError, InputError
from gameday.runfolder import RunFolder
from gameday.s3reports.location import S3Location

MANIFEST = "manifest.json"
LATEST = "latest"
RUNS = "runs"
# what a rollback needs of a run, and what goes up while the run writes it
ROLLBACK_FILES = (RunFolder.LEDGER, RunFolder.PLAN)


class UploadFailed(GamedayError):
    """Files of a run folder did not reach S3 after every retry; the local copy still has them."""


def _is_transient(error: BaseException) -> bool:
    """Worth another attempt: a dropped connection, a timeout, throttling or a 5xx from S3."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return is_throttle(error) or status >= 500
    return isinstance(error, BotoCoreError)


_transfer_retry = retry(
    retry=retry_if_exception(_is_transient),
    wait=wait_random_exponential(multiplier=0.5, max=10),
    stop=stop_after_attempt(5),
    reraise=True,
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    size: int
    sha256: str


class S3Reports:
    """The run folders under one S3 location."""

    def __init__(self, location: S3Location, client: BaseClient | None = None) -> None:
        self.location = location
        self.client = client if client is not None else default_client("s3")

    def probe(self) -> None:
        """Check the bucket is there and reachable before anything runs: bad input is exit 2."""
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchBucket"):
                raise InputError(f"{self.location}: no bucket named {self.location.bucket}") from error
            if code in ("403", "AccessDenied"):
                raise InputError(
                    f"{self.location}: access denied to bucket {self.location.bucket} "
                    "(the runner needs s3:ListBucket on it, and s3:GetObject/s3:PutObject under the prefix)"
                ) from error
            raise EnvironmentProblem(f"{self.location}: {describe_error(error)}") from error
        except BotoCoreError as error:
            raise EnvironmentProblem(f"{self.location}: {describe_error(error)}") from error

    def run_url(self, run_id: str) -> str:
        return self.location.url(RUNS, run_id)

    def put_file(self, path: Path, run_id: str, name: str) -> None:
        """Upload one file of a run folder, retried on transient failures."""
        self._put(path, self.location.key(RUNS, run_id, name))

    @_transfer_retry
    def _put(self, path: Path, key: str) -> None:
        # PutObject, one request a file, streamed from disk (opened afresh for each attempt): the
        # simplest call to retry and to grant. A run folder's files are far below its 5 GB limit.
        with path.open("rb") as body:
            self.client.put_object(Bucket=self.location.bucket, Key=key, Body=body)

    @_transfer_retry
    def _put_bytes(self, body: bytes, key: str, content_type: str) -> None:
        self.client.put_object(Bucket=self.location.bucket, Key=key, Body=body, ContentType=content_type)

    def upload_run(self, run_dir: Path) -> str:
        """Every file of ``run_dir``, then its manifest, then ``latest``; the run's S3 URL.

        Raises :class:`UploadFailed` naming what did not go up (the local copy keeps it all).
        """
        run_id = run_dir.name
        entries: list[ManifestEntry] = []
        failed: list[str] = []
        last_error = ""
        for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
            name = path.relative_to(run_dir).as_posix()
            if name == MANIFEST:
                continue
            try:
                self.put_file(path, run_id, name)
            except (ClientError, BotoCoreError) as error:
                failed.append(name)
                last_error = describe_error(error)
                continue
            entries.append(ManifestEntry(name, path.stat().st_size, sha256(path)))
        if failed:
            shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
            raise UploadFailed(
                f"{len(failed)} file(s) did not reach {self.run_url(run_id)}: {shown} ({last_error})"
            )
        manifest = {"run_id": run_id, "files": [entry.__dict__ for entry in entries]}
        try:
            self._put_bytes(
                json.dumps(manifest, indent=2).encode(),
                self.location.key(RUNS, run_id, MANIFEST),
                "application/json",
            )
            self._put_bytes(run_id.encode(), self.location.key(LATEST), "text/plain")
        except (ClientError, BotoCoreError) as error:
            raise UploadFailed(
                f"the manifest of {self.run_url(run_id)} did not go up ({describe_error(error)})"
            ) from error
        return self.run_url(run_id)

    def _keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.location.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    @_transfer_retry
    def _get(self, key: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = self.client.get_object(Bucket=self.location.bucket, Key=key)["Body"]
        with path.open("wb") as local:
            for chunk in body.iter_chunks(1 << 20):
                local.write(chunk)

    def download_run(self, run_id: str, local_runs: Path) -> Path:
        """The run folder ``run_id`` into ``local_runs/<run id>``, checked against its manifest."""
        run_dir = local_runs / run_id
        manifest_key = self.location.key(RUNS, run_id, MANIFEST)
        try:
            self._get(manifest_key, run_dir / MANIFEST)
        except ClientError as error:
            if _not_found(error):
                raise InputError(
                    f"{self.run_url(run_id)}: no complete run folder there (no {MANIFEST}: "
                    "the run is still going, or its upload did not finish)"
                ) from error
            raise EnvironmentProblem(f"{self.run_url(run_id)}: {describe_error(error)}") from error
        manifest = json.loads((run_dir / MANIFEST).read_text())
        for entry in manifest["files"]:
            local = run_dir / entry["path"]
            try:
                self._get(self.location.key(RUNS, run_id, entry["path"]), local)
            except (ClientError, BotoCoreError) as error:
                missing = isinstance(error, ClientError) and _not_found(error)
                reason = "listed in the run's manifest but not in S3" if missing else describe_error(error)
                raise EnvironmentProblem(f"{self.run_url(run_id)}/{entry['path']}: {reason}") from error
            if sha256(local) != entry["sha256"]:
                raise EnvironmentProblem(
                    f"{self.run_url(run_id)}/{entry['path']}: does not match the run's manifest "
                    "(changed after the run)"
                )
        return run_dir

    def pull_rollback_files(self, local_runs: Path) -> list[Path]:
        """The ledger and plan of every run in S3 into ``local_runs``: what rollback and a new run check."""
        return self.pull_files(ROLLBACK_FILES, local_runs)

    def pull_files(self, names: Collection[str], local_runs: Path) -> list[Path]:
        """The files ``names`` of every run in S3 into ``local_runs/<run id>``; the run folders pulled."""
        pulled: set[Path] = set()
        runs_prefix = self.location.key(RUNS) + "/"
        for item in self._keys(runs_prefix):
            run_id, _, name = item["Key"][len(runs_prefix) :].partition("/")
            if name in names:
                try:
                    self._get(item["Key"], local_runs / run_id / name)
                except (ClientError, BotoCoreError) as error:
                    raise EnvironmentProblem(
                        f"{self.location.url(RUNS, run_id, name)}: {describe_error(error)}"
                    ) from error
                pulled.add(local_runs / run_id)
        return sorted(pulled)

    def push_rollback_files(self, run_dir: Path) -> None:
        """The ledger and plan of ``run_dir`` as they are now (after a revert, or while the run goes)."""
        for name in ROLLBACK_FILES:
            path = run_dir / name
            if path.exists():
                self.put_file(path, run_dir.name, name)


def _not_found(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey", "NotFound")
