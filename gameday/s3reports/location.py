"""Where run folders go: a local folder, or ``s3://bucket/prefix``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gameday.errors import InputError

S3_SCHEME = "s3://"
# S3's bucket naming rules: 3-63 characters, lower case letters, digits, dots and hyphens,
# beginning and ending with a letter or digit.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (without slashes at either end; empty for the bucket's root)."""

    bucket: str
    prefix: str = ""

    def key(self, *parts: str) -> str:
        return "/".join(part.strip("/") for part in (self.prefix, *parts) if part.strip("/"))

    def url(self, *parts: str) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.key(*parts)}".rstrip("/")

    def __str__(self) -> str:
        return self.url()


def is_s3(text: str | Path) -> bool:
    return str(text).startswith(S3_SCHEME)


def parse_s3(text: str) -> S3Location:
    """``s3://bucket/prefix`` as a location; a malformed one is bad input, named."""
    rest = text[len(S3_SCHEME) :] if text.startswith(S3_SCHEME) else ""
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise InputError(
            f"{text}: not an S3 location: write s3://BUCKET/PREFIX with a valid bucket name "
            "(3-63 lower-case letters, digits, dots or hyphens)"
        )
    return S3Location(bucket, prefix.strip("/"))


def parse_reports(text: str | Path) -> Path | S3Location:
    """A ``--reports`` value: an S3 location or a local folder."""
    return parse_s3(str(text)) if is_s3(text) else Path(text)
