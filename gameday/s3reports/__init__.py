"""Run folders in S3: a scheduled run on a Fargate task loses its disk when the task ends.

``--reports s3://bucket/prefix`` keeps the run folder on disk as always (the local copy) and puts
it in S3 under ``prefix/runs/<run id>/``; the ledger and plan go up as the run writes them, so a
killed task leaves what ``gameday rollback`` needs. The AWS calls made here, for the runner's IAM
policy: s3:HeadBucket (as s3:ListBucket), s3:ListObjectsV2 (s3:ListBucket), s3:PutObject and
s3:GetObject, on the bucket and the keys under the prefix.
"""
