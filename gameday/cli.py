"""The ``gameday`` command line.

Exit codes are part of the interface for CI: 0 PASS, 1 FAIL, 2 bad input, 3 INVALID, ABORTED or
INCONCLUSIVE (and any run that could not complete, or whose PASS did not reach its S3 reports).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gameday.errors import GamedayError, InputError
from gameday.exit_codes import EXIT_CODES, run_exit_code
from gameday.packaged import find_scenario

BROKEN_PIPE_EXIT = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)


_VARIANT_HELP = "localcloud only: run the stack as this variant of the variants.yaml beside its stack file"
_REPORTS_HELP = "reports folder, or s3://BUCKET/PREFIX to keep run folders in S3 (default: reports)"
_LOCAL_REPORTS_HELP = "with --reports s3://…: the folder for the local copy of run folders (default: reports)"
_SCENARIO_HELP = "scenario YAML file, or the name of a catalogue scenario (`gameday scenarios` lists them)"


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gameday", description="Chaos and resilience game days for microservices on AWS and localcloud."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a game day: load, faults, evidence, scores, reports")
    run.add_argument("scenario", type=Path, help=_SCENARIO_HELP)
    run.add_argument("--target", default="local", help="target name in the targets file (default: local)")
    run.add_argument(
        "--targets", type=Path, default=Path("targets.yaml"), help="targets file (default: targets.yaml)"
    )
    run.add_argument("--reports", default="reports", help=_REPORTS_HELP)
    run.add_argument("--local-reports", type=Path, default=Path("reports"), help=_LOCAL_REPORTS_HELP)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print every change the run would make (AWS: after pre-flight, reads only) and make none",
    )
    run.add_argument("--variant", help=_VARIANT_HELP)
    run.add_argument(
        "--load-workers",
        type=_count,
        metavar="N",
        help="load worker processes on this machine (default: one per core, 0 with --expect-workers); "
        "0 runs the users in the load process itself",
    )
    run.add_argument(
        "--expect-workers",
        type=_count,
        default=0,
        metavar="N",
        help="wait for N remote workers (`gameday worker --master HOST`) before the load starts",
    )
    run.add_argument(
        "--master-bind",
        default="127.0.0.1",
        metavar="HOST",
        help="address the load master listens on; remote workers need one they reach (default: 127.0.0.1)",
    )
    run.add_argument(
        "--master-port", type=int, metavar="PORT", help="load master port (default: 5557 with remote workers)"
    )

    worker = commands.add_parser(
        "worker", help="run load users for a game day's load master on another machine"
    )
    worker.add_argument(
        "--master", required=True, help="the load master, HOST or HOST:PORT (default port 5557)"
    )

    validate = commands.add_parser("validate", help="check scenario files without running anything")
    validate.add_argument("scenarios", type=Path, nargs="+", help="scenario YAML files or catalogue names")
    validate.add_argument(
        "--target", help="also check the scenarios against this target, as a run on it would before it starts"
    )
    validate.add_argument(
        "--targets", type=Path, default=Path("targets.yaml"), help="targets file (default: targets.yaml)"
    )

    init = commands.add_parser(
        "init", help="start a game-day repository: scenarios, targets, Locust users, pytest and CI files"
    )
    init.add_argument(
        "directory",
        type=Path,
        nargs="?",
        default=Path("."),
        metavar="DIR",
        help="folder to write into (default: the current one); a file already there is never replaced",
    )
    scheduled = commands.add_parser(
        "runner",
        help="run a list of game days against one target, settings from the command line or the "
        "environment (the container's entry command)",
    )
    scheduled.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help="scenario files or catalogue names (else $GAMEDAY_SCENARIOS)",
    )
    scheduled.add_argument("--target", help="target name (else $GAMEDAY_TARGET, else local)")
    scheduled.add_argument(
        "--targets",
        type=Path,
        help="targets file (else $GAMEDAY_TARGETS, or its text in $GAMEDAY_TARGETS_YAML)",
    )
    scheduled.add_argument("--reports", help="reports folder or s3://BUCKET/PREFIX (else $GAMEDAY_REPORTS)")
    scheduled.add_argument(
        "--local-reports", type=Path, help="local copy's folder (else $GAMEDAY_LOCAL_REPORTS)"
    )
    commands.add_parser("schema", help="print the JSON Schema of scenario files, for editors")
    commands.add_parser("scenarios", help="list the demo catalogue: the scenario names run and validate take")

    stack = commands.add_parser("stack", help="start or stop localcloud with a stack")
    stack_commands = stack.add_subparsers(dest="stack_command", required=True, metavar="ACTION")
    up = stack_commands.add_parser("up", help="start localcloud in the background and wait until it is ready")
    up.add_argument(
        "stack", type=Path, nargs="?", default=None, help="stack file (default: the local target's)"
    )
    up.add_argument("--variant", help=_VARIANT_HELP)
    for action in (
        up,
        stack_commands.add_parser("down", help="stop localcloud and every task it runs"),
        stack_commands.add_parser("status", help="show services and tasks"),
    ):
        action.add_argument("--target", default="local", help="localcloud target (default: local)")
        action.add_argument("--targets", type=Path, default=Path("targets.yaml"), help="targets file")

    iam = commands.add_parser(
        "iam-policy",
        help="print the least-privilege IAM policy a runner needs for these scenarios on a target",
    )
    iam.add_argument(
        "scenarios", type=Path, nargs="+", metavar="SCENARIO", help="scenario files or catalogue names"
    )
    iam.add_argument("--target", required=True, help="the AWS target the scenarios run on")
    iam.add_argument(
        "--targets", type=Path, default=Path("targets.yaml"), help="targets file (default: targets.yaml)"
    )
    iam.add_argument("--reports", metavar="s3://BUCKET/PREFIX", help="also keep run folders there")
    iam.add_argument(
        "--fis-role",
        action="store_true",
        help="print the FIS experiment role's policy instead of the runner's",
    )

    targets = commands.add_parser("targets", help="write targets.yaml entries")
    targets_commands = targets.add_subparsers(dest="targets_command", required=True, metavar="ACTION")
    from_stack = targets_commands.add_parser(
        "from-stack",
        help="print the target for a shop deployed with deploy/shop.yaml, from its stack's outputs",
    )
    from_stack.add_argument("stack", help="the shop's CloudFormation stack name or ID")
    from_stack.add_argument("--name", default="staging", help="the target's name (default: staging)")
    from_stack.add_argument("--region", help="the stack's region (default: the standard chain's)")
    from_stack.add_argument(
        "--profile", help="AWS profile to read the stack with; also written into the target"
    )
    from_stack.add_argument(
        "--runner-stack",
        metavar="STACK",
        help="the runner's stack (deploy/runner.yaml): adds its FIS role and topic",
    )

    fis = commands.add_parser("fis-template", help="print the AWS FIS experiment templates of a scenario")
    fis.add_argument("scenario", type=Path, help=_SCENARIO_HELP)
    fis.add_argument("--target", default="local", help="AWS target name in the targets file")
    fis.add_argument("--targets", type=Path, default=Path("targets.yaml"), help="targets file")
    fis.add_argument(
        "--combined",
        action="store_true",
        help="print one template holding every via: fis fault on the scenario timeline (aws:fis:wait)",
    )

    matrix = commands.add_parser(
        "matrix", help="run scenarios against stack variants and check each score's verdict (localcloud)"
    )
    matrix.add_argument("matrix", type=Path, help="matrix YAML file, e.g. gameday/shop/matrix.yaml")
    matrix.add_argument("--reduced", action="store_true", help="only rows marked reduced: true, once each")
    matrix.add_argument("--target", default="local", help="localcloud target name (default: local)")
    matrix.add_argument("--targets", type=Path, default=Path("targets.yaml"), help="targets file")
    matrix.add_argument(
        "--reports", type=Path, default=Path("reports"), help="reports folder (default: reports)"
    )

    report = commands.add_parser("report", help="re-score and re-render a run from its saved evidence")
    report.add_argument(
        "run", help="run folder, e.g. reports/latest, or s3://BUCKET/PREFIX/runs/RUN_ID (or …/latest)"
    )
    report.add_argument("--local-reports", type=Path, default=Path("reports"), help=_LOCAL_REPORTS_HELP)

    history = commands.add_parser(
        "history", help="every run over time per scenario and score, with regressions: history.html/.md"
    )
    history.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenario names (default: all)")
    history.add_argument(
        "--reports", default="reports", help="reports folder or s3://BUCKET/PREFIX to read (default: reports)"
    )
    history.add_argument("--local-reports", type=Path, default=Path("reports"), help=_LOCAL_REPORTS_HELP)
    history.add_argument(
        "--fail-on-regression", action="store_true", help="exit 1 when a regression is flagged (for CI)"
    )

    rollback = commands.add_parser("rollback", help="revert the faults a killed run left applied")
    rollback.add_argument(
        "run",
        nargs="?",
        default=None,
        help="run folder, or s3://BUCKET/PREFIX/runs/RUN_ID (default: every run with faults left applied)",
    )
    rollback.add_argument("--reports", default="reports", help=_REPORTS_HELP)
    rollback.add_argument("--local-reports", type=Path, default=Path("reports"), help=_LOCAL_REPORTS_HELP)
    rollback.add_argument(
        "--targets",
        type=Path,
        default=Path("targets.yaml"),
        help="targets file defining the runs' targets (default: targets.yaml)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except GamedayError as exc:
        print(f"gameday: {exc}" if not isinstance(exc, InputError) else str(exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gameday: interrupted", file=sys.stderr)
        return 3
    except BrokenPipeError:
        # whoever read the output went away (`gameday init | head`): end quietly, as Unix tools do,
        # and point stdout at nothing so the interpreter's last flush has nowhere to fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE_EXIT


def _dispatch(args: argparse.Namespace) -> int:
    # Imports are local so `gameday validate` stays quick and never loads the run machinery.
    if args.command == "validate":
        from gameday.commands.validate import validate

        return validate([find_scenario(path) for path in args.scenarios], args.target, args.targets)
    if args.command == "init":
        from gameday.commands.init import init

        return init(args.directory)
    if args.command == "runner":
        from gameday.commands.runner import runner, runner_settings

        return runner(
            runner_settings(args.scenarios, args.target, args.targets, args.reports, args.local_reports)
        )
    if args.command == "iam-policy":
        from gameday.commands.iam_policy import iam_policy

        paths = [find_scenario(path) for path in args.scenarios]
        return iam_policy(paths, args.target, args.targets, args.reports, args.fis_role)
    if args.command == "targets":
        from gameday.commands.from_stack import from_stack

        return from_stack(args.stack, args.name, args.region, args.profile, args.runner_stack)
    if args.command == "schema":
        from gameday.commands.schema import schema

        return schema()
    if args.command == "scenarios":
        from gameday.commands.scenarios import scenarios

        return scenarios()
    if args.command == "run":
        from gameday.commands.run import dry_run, run
        from loadprofiles.config import WorkerOptions

        if args.dry_run:
            return dry_run(find_scenario(args.scenario), args.target, args.targets, args.variant)
        workers = WorkerOptions(args.load_workers, args.expect_workers, args.master_bind, args.master_port)
        scenario = find_scenario(args.scenario)
        delivered = run(
            scenario, args.target, args.targets, args.reports, args.variant, workers, args.local_reports
        )
        return run_exit_code(delivered.outcome.card.verdict, delivered.destination.uploaded)
    if args.command == "worker":
        # A fresh interpreter: Locust must be imported before anything imports ssl, which this one may have.
        command = [sys.executable, "-m", "loadprofiles.worker", "--master", args.master]
        os.execv(sys.executable, command)
    if args.command == "fis-template":
        from gameday.commands.fis_template import fis_template

        return fis_template(find_scenario(args.scenario), args.target, args.targets, combined=args.combined)
    if args.command == "matrix":
        from gameday.commands.matrix import matrix

        return matrix(args.matrix, args.reduced, args.target, args.targets, args.reports)
    if args.command == "report":
        from gameday.commands.report import report

        return EXIT_CODES[report(args.run, args.local_reports)]
    if args.command == "history":
        from gameday.commands.history import history

        return history(args.reports, args.scenarios, args.local_reports, args.fail_on_regression)
    if args.command == "rollback":
        from gameday.commands.rollback import rollback

        return rollback(args.run, args.reports, args.targets, args.local_reports)
    from gameday.commands import stack

    return stack.dispatch(
        args.stack_command,
        args.target,
        args.targets,
        getattr(args, "stack", None),
        getattr(args, "variant", None),
    )


if __name__ == "__main__":
    sys.exit(main())
