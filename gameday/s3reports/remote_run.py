"""A run folder named by its S3 URL: ``s3://bucket/prefix/runs/<run id>`` or ``s3://bucket/prefix/latest``."""

from __future__ import annotations

from botocore.exceptions import ClientError

from gameday.aws_session import error_code, reading
from gameday.errors import InputError
from gameday.s3reports.location import S3Location, parse_s3
from gameday.s3reports.store import LATEST, RUNS, S3Reports


def parse_run_url(url: str) -> tuple[S3Location, str | None]:
    """The reports location and the run id (None for ``latest``, read from the bucket)."""
    location = parse_s3(url)
    parts = location.prefix.split("/") if location.prefix else []
    if parts and parts[-1] == LATEST:
        return S3Location(location.bucket, "/".join(parts[:-1])), None
    if len(parts) >= 2 and parts[-2] == RUNS:
        return S3Location(location.bucket, "/".join(parts[:-2])), parts[-1]
    raise InputError(
        f"{url}: not a run folder in S3: write s3://BUCKET/PREFIX/runs/RUN_ID or s3://BUCKET/PREFIX/latest"
    )


def resolve_run_id(store: S3Reports, run_id: str | None) -> str:
    """``run_id``, or the newest complete run ``latest`` names."""
    if run_id is not None:
        return run_id
    key = store.location.key(LATEST)

    def not_yet(error: ClientError) -> str | None:
        return (
            "no run has finished its upload there yet" if error_code(error) in ("404", "NoSuchKey") else None
        )

    with reading(store.location.url(LATEST), not_yet):
        body = store.client.get_object(Bucket=store.location.bucket, Key=key)["Body"].read()
    return str(body.decode().strip())
