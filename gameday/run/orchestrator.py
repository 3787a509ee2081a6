"""One game day, end to end: the composition root of a run.

Plain Python and threads, no gevent: Locust lives in its own process. The orchestrator owns the
clock; whatever ends the run (its end, an exception, Ctrl-C, SIGTERM, a guardrail breach) every
fault is reverted, load is stopped, what this run started is stopped, and the evidence gathered so
far is scored.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from gameday.errors import EnvironmentProblem, GamedayError
from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Gap, LoadSecond, RequestRecord, Verdict
from gameday.evidence.target import TargetEvidence
from gameday.ledger import Ledger
from gameday.local_fit import check_local_fit
from gameday.reporting import write_reports
from gameday.reporting.step_summary import append_step_summary
from gameday.run.clock import RunClock
from gameday.run.console import ActiveFault, Console, Say
from gameday.run.dependencies import check_dependencies
from gameday.run.open_faults import refuse_if_unreverted
from gameday.run.plan import Plan, plan_faults
from gameday.run.rundir import new_run_dir, point_latest
from gameday.run.sessions import TargetSession, landed_windows, open_session
from gameday.run.timeline import FaultState, Timeline
from gameday.runfolder import RunFolder
from gameday.safety.guardrails import Breach, Guards
from gameday.scenario import Scenario, load_scenario
from gameday.scoring import ScoreCard, score_run
from gameday.shared import Span
from gameday.targets import Target
from gameday.traces.dependencies import DependencyMatch
from loadprofiles.config import WorkerOptions
from loadprofiles.launcher import LoadProcess
from loadprofiles.preflight import check_reachable

LOAD_EXIT_GRACE_S = 20.0
TRACE_FLUSH_S = 2.0
PROGRESS_TICK_S = 0.2  # guardrails and the progress line are checked at least this often
TARGET_SOURCES = ("metrics", "events", "traces", "scaling")  # what session.collect gathers


class Interrupted(Exception):
    """The run was asked to stop (SIGINT or SIGTERM); the cleanup still runs."""


class GuardrailBreached(Exception):
    """A stop condition fired: the run is aborted, every fault reverted, the verdict ABORTED."""

    def __init__(self, breach: Breach) -> None:
        super().__init__(breach.reason)
        self.breach = breach


@dataclass(frozen=True)
class RunOutcome:
    run_dir: Path
    card: ScoreCard


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into :class:`Interrupted` in the main thread, restoring handlers after."""

    interrupted: list[str] = []

    def interrupt(signum: int, _frame: FrameType | None) -> None:
        # Only the first signal interrupts: a second Ctrl-C must not cut the reverts short.
        if not interrupted:
            interrupted.append(signal.Signals(signum).name)
            raise Interrupted(f"interrupted by {interrupted[0]}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_game_day(
    scenario_path: Path,
    target_name: str,
    target: Target,
    reports: Path,
    console: Console | None = None,
    variant: str | None = None,
    workers: WorkerOptions | None = None,
) -> RunOutcome:
    """Validate, run, score and report one scenario against one target (a localcloud one as ``variant``);
    ``workers``: where the load runs (default: a worker process per core on this machine)."""
    console = console or Console()
    scenario = load_scenario(scenario_path)
    check_dependencies(scenario_path, scenario, target_name, target)
    check_local_fit(scenario_path, scenario, target, variant)
    refuse_if_unreverted(reports, target_name)  # before a run folder, a stack or a fault exists
    faults = plan_faults(scenario, target)  # every name resolved before a run folder exists
    run_dir = new_run_dir(reports, scenario.name)
    plan = Plan(
        run_id=run_dir.name, scenario=scenario, target_name=target_name, faults=faults, variant=variant
    )
    folder = RunFolder(run_dir)
    shutil.copyfile(scenario_path, folder.scenario)
    folder.write_json(RunFolder.PLAN, plan.to_json())
    point_latest(reports, run_dir)
    as_variant = f" as variant '{variant}'" if variant is not None else ""
    console.say(f"run {plan.run_id}: {scenario.name} on target '{target_name}'{as_variant} → {run_dir}")
    with _signals_interrupt(), open_session(target, plan, run_dir, console.say) as session:
        evidence = _execute(plan, session, run_dir, console, workers or WorkerOptions())
    card = score_run(scenario, evidence)
    reports_written = write_reports(run_dir, scenario, evidence, card)
    append_step_summary(reports_written.summary_md, console.say)
    return RunOutcome(run_dir=run_dir, card=card)


def _execute(
    plan: Plan, session: TargetSession, run_dir: Path, console: Console, workers: WorkerOptions
) -> RunEvidence:
    scenario = plan.scenario
    problem = check_reachable(session.entry_url, timeout=5.0)
    if problem is not None:
        raise EnvironmentProblem(
            f"the entry {session.entry_url} is not reachable, no fault injected: {problem}"
        )
    dependencies = session.dependencies()  # how the target's traces name them, read while all is quiet
    # Every injector is built (and its input checked) before the load starts: a fault that cannot
    # be built must not leave a load process running.
    injectors = [(p, session.injector_for(p, plan.run_id)) for p in plan.faults]
    latest: list[LoadSecond] = []
    config_path = _write_load_config(run_dir, scenario, session.entry_url, workers)
    aborted: str | None = None
    breach: Breach | None = None
    reverted: list[float] = []
    # Closed in reverse order on every way out: faults reverted first (the harm ends as soon as
    # possible), then the moment noted, then the load stopped.
    with contextlib.ExitStack() as running:
        load = running.enter_context(
            LoadProcess.start(
                config_path,
                on_second=latest.append,
                log_path=RunFolder(run_dir).load_log,
                on_note=console.say,
            )
        )
        shape = f"{scenario.load.shape} shape, up to {scenario.load.peak_users} users"
        console.say(f"load started (pid {load.pid}): {shape}")
        try:  # the clock starts with the load: workers connect first, remote ones maybe for a while
            load.wait_started(workers.started_timeout_s)
        except Interrupted as exc:
            raise GamedayError(f"{exc} while the load was starting; no fault was injected") from None
        clock = RunClock()
        started_at = clock.started_at
        faults = [
            FaultState(planned=p, injector=injector, planned_at=started_at + p.offset_s)
            for p, injector in injectors
        ]
        running.callback(lambda: reverted.append(clock.now()))
        timeline = running.enter_context(
            Timeline(faults, Ledger(RunFolder(run_dir).ledger), console.say, clock.now)
        )
        console.start_clock(started_at)
        guards = Guards(scenario.guardrails, session.stop_conditions)
        try:
            _drive(plan, timeline, load, clock, console, latest, guards)
        except Interrupted as exc:
            aborted = str(exc)
            console.say(f"{aborted}: reverting faults and stopping load")
        except GuardrailBreached as exc:
            breach = exc.breach
            aborted = breach.reason
            console.say(f"ABORT, {aborted}: reverting faults and stopping load")
    reverted_at = reverted[0]
    if breach is not None:
        _write_abort(run_dir, breach, reverted_at)
    ended_at = clock.now()
    time.sleep(TRACE_FLUSH_S)  # segments are sent over UDP when requests end; let the last ones land
    windows = landed_windows([f.record() for f in faults])  # a sampled trace collection keeps these whole
    collected = collect_evidence(session, started_at - 1.0, ended_at + TRACE_FLUSH_S, windows, console.say)
    traced = _Traced(dependencies, session.trace_sampling, session.trace_link)
    return _bundle(plan, run_dir, started_at, ended_at, faults, collected, aborted, traced)


def collect_evidence(
    session: TargetSession, since: float, until: float, windows: list[Span], say: Say
) -> TargetEvidence:
    """The target's evidence; an interrupt here (say, Ctrl-C in the X-Ray settle wait on AWS) keeps
    the run's own records and turns every target source into a gap, so its scores are INCONCLUSIVE."""
    try:
        return session.collect(since, until, windows)
    except Interrupted as exc:
        say(f"{exc} while collecting evidence: scoring what the run itself recorded")
        reason = f"evidence collection {exc}"
        return TargetEvidence(gaps=[Gap(source=source, reason=reason) for source in TARGET_SOURCES])


def _drive(
    plan: Plan,
    timeline: Timeline,
    load: LoadProcess,
    clock: RunClock,
    console: Console,
    latest: list[LoadSecond],
    guards: Guards,
) -> None:
    """Start faults on time, show progress, abort on a breach, end after the duration. Between
    those it sleeps until the next fault is due, or for a progress tick at most."""
    scenario = plan.scenario
    started_at = clock.started_at
    ends_at = started_at + scenario.duration
    phases = plan.phases(started_at)
    with console.live(f"{scenario.name} on {plan.target_name}"):  # stops on every way out of the loop
        while (now := clock.now()) < ends_at:
            if (breach := guards.check(latest)) is not None:
                raise GuardrailBreached(breach)
            timeline.due(now)
            phase = next((p.name for p in phases if p.start <= now < p.end), "recovery")
            active = [
                ActiveFault(f.fault_id, f.spec.kind, f.spec.target_label)
                for f in plan.faults
                if f.offset_s <= now - started_at < f.spec.end
            ]
            console.progress(phase, scenario.duration, latest[-1] if latest else None, active)
            if load.exited():
                raise EnvironmentProblem(
                    f"the load process ended early (exit {load.returncode}); see load.log"
                )
            clock.sleep_until(min(timeline.next_due() or ends_at, ends_at), at_most=PROGRESS_TICK_S)
    if load.wait(timeout=LOAD_EXIT_GRACE_S) is None:
        console.say("load process did not stop by itself; stopping it")


def _write_abort(run_dir: Path, breach: Breach, reverted_at: float) -> None:
    """When the breach was seen and when every fault was back: the abort-to-reverted latency."""
    abort = {
        "reason": breach.reason,
        "breached_at": breach.at,
        "reverted_at": reverted_at,
        "abort_to_reverted_ms": round((reverted_at - breach.at) * 1000, 1),
    }
    RunFolder(run_dir).write_json(RunFolder.ABORT, abort)


def _write_load_config(run_dir: Path, scenario: Scenario, host: str, workers: WorkerOptions) -> Path:
    folder = RunFolder(run_dir)
    config = {
        "host": host,
        "load": scenario.load.model_dump(mode="json", by_alias=True),  # a spike's `for`, as written
        "duration_s": scenario.duration,
        "requests_path": str(folder.requests),
        **workers.config_fields(),
    }
    return folder.write_json(RunFolder.LOAD_CONFIG, config)


@dataclass(frozen=True)
class _Traced:
    """What the session says about its traces: how dependencies show in them, and what share is kept."""

    dependencies: dict[str, list[DependencyMatch]]
    sampling: str
    link: str | None


def _bundle(
    plan: Plan,
    run_dir: Path,
    started_at: float,
    ended_at: float,
    faults: list[FaultState],
    collected: TargetEvidence,
    aborted: str | None,
    traced: _Traced,
) -> RunEvidence:
    folder = RunFolder(run_dir)
    requests = [RequestRecord.model_validate_json(line) for line in _lines(folder.requests)]
    seconds = [LoadSecond.model_validate_json(line) for line in _lines(folder.load_seconds)]
    gaps = list(collected.gaps)
    if not requests:
        gaps.append(Gap(source="requests", reason="the load process recorded no requests"))
    evidence = RunEvidence(
        run_id=plan.run_id,
        scenario_name=plan.scenario.name,
        target_name=plan.target_name,
        variant=plan.variant,
        started_at=started_at,
        ended_at=ended_at,
        phases=plan.phases(started_at),
        requests=requests,
        load_seconds=seconds,
        metrics=collected.metrics,
        events=collected.events,
        traces=collected.traces,
        scaling=collected.scaling,
        alarms=collected.alarms,
        faults=[f.record() for f in faults],
        gaps=gaps,
        aborted_reason=aborted,
        dependencies=traced.dependencies,
        trace_sampling=traced.sampling,
        trace_link=traced.link,
    )
    evidence.save(run_dir, written=frozenset({RunFolder.REQUESTS, RunFolder.LOAD_SECONDS}))
    return evidence


def _lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line


__all__ = ["RunOutcome", "Verdict", "run_game_day"]
