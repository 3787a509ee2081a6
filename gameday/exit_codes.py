"""The exit codes of the commands that run game days: part of the interface for CI and schedulers."""

from __future__ import annotations

from gameday.evidence.records import Verdict

EXIT_CODES = {
    Verdict.PASS: 0,
    Verdict.FAIL: 1,
    Verdict.INVALID: 3,
    Verdict.ABORTED: 3,
    Verdict.INCONCLUSIVE: 3,
}
UNKEPT_PASS_EXIT = 3  # a PASS whose run folder did not reach its reports location is no green


def run_exit_code(verdict: Verdict, uploaded: bool = True) -> int:
    """A run's exit code: its verdict's, except that a PASS nobody can read later is not 0."""
    code = EXIT_CODES[verdict]
    return UNKEPT_PASS_EXIT if code == 0 and not uploaded else code
