"""The least-privilege IAM policy of the runner, built from what gameday's code calls.

Each grant is declared where the calls are made: a fault kind declares what its AWS provider calls
(:attr:`faults.kind.FaultKind.permissions`), and :mod:`gameday.iam.policy` what every run calls
(account check, pre-flight tag reads, evidence, FIS, run folders in S3, the results topic). A
test records every AWS operation the AWS suites make and holds the generated policy to it, both
ways: everything called is allowed, nothing allowed is never called.
"""
