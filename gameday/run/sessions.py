"""Target sessions: the one seam where the orchestrator meets a backend.

A session knows the entry URL, builds fault injectors for the target and collects the target's
evidence. Everything above it (timeline, scoring, reporting) is the same for localcloud and AWS.
"""

from __future__ import annotations

import contextlib
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from faults.base import Injector
from faults.registry import build_injector
from gameday.aws_session import aws_client
from gameday.errors import EnvironmentProblem
from gameday.evidence.aws.collect import collect_aws
from gameday.evidence.aws.sampling import KEPT, TraceSampling, run_rules, run_sampling
from gameday.evidence.records import FaultRecord, Gap, ScalingActivity
from gameday.evidence.target import TargetEvidence
from gameday.ledger import Ledger
from gameday.localcloud.api import DescribedActivity
from gameday.localcloud.client import LocalcloudClient
from gameday.localcloud.dependency_map import dependency_map
from gameday.localcloud.launcher import start_localcloud
from gameday.processes import wait_until
from gameday.run.console import Say
from gameday.run.plan import Plan, PlannedFault
from gameday.runfolder import RunFolder
from gameday.safety.guardrails import AlarmWatcher, StopCondition
from gameday.safety.preflight import preflight_plan, touched_line
from gameday.shared import Span
from gameday.targets import AwsTarget, LocalTarget, Target
from gameday.traces.dependencies import DependencyMatch

READY_TIMEOUT_S = 60.0
SETTLE_NOTE_S = 10.0  # how often the wait for X-Ray says how long is left


class TargetSession(Protocol):
    entry_url: str
    stop_conditions: list[StopCondition]  # the target's own reasons to abort, besides the guardrails

    def injector_for(self, planned: PlannedFault, run_id: str) -> Injector: ...

    def dependencies(self) -> dict[str, list[DependencyMatch]]:
        """How each dependency name shows in this target's traces (see gameday.traces.dependencies)."""
        ...

    @property
    def trace_sampling(self) -> str:
        """Which share of requests the target's traces keep, in words, for the report."""
        ...

    @property
    def trace_link(self) -> str | None:
        """A link to one trace in the target's console, ``{trace_id}`` in it; None when it has none."""
        ...

    def collect(self, since: float, until: float, fault_windows: Sequence[Span] = ()) -> TargetEvidence:
        """The target's evidence of ``[since, until)``; ``fault_windows`` (landed faults, epoch
        seconds) are where a sampled collection keeps every trace."""
        ...


def landed_windows(faults: Sequence[FaultRecord]) -> list[Span]:
    """Injection to revert (or the planned end, if never reverted) of each fault that landed."""
    return [
        (f.injected_at, f.reverted_at if f.reverted_at is not None else f.window_end)
        for f in faults
        if f.landed and f.injected_at is not None
    ]


@dataclass
class LocalSession:
    """A localcloud stack, either already running (``gameday stack up``) or started for this run."""

    target: LocalTarget
    client: LocalcloudClient
    entry_url: str
    stop_conditions: list[StopCondition] = field(default_factory=list)

    def injector_for(self, planned: PlannedFault, run_id: str) -> Injector:
        return build_injector(
            planned.spec, self.target, fault_id=planned.fault_id, run_id=run_id, localcloud_client=self.client
        )

    def dependencies(self) -> dict[str, list[DependencyMatch]]:
        return dependency_map(self.client.state())

    @property
    def trace_sampling(self) -> str:
        return "every request (localcloud's daemon keeps every trace)"

    @property
    def trace_link(self) -> str | None:
        return None  # localcloud has no console: a trace is read from the run folder's traces.jsonl

    def collect(self, since: float, until: float, fault_windows: Sequence[Span] = ()) -> TargetEvidence:
        """Everything localcloud's stores hold (its daemon keeps every trace, so nothing is sampled)."""
        gaps: list[Gap] = []
        metrics = self.client.metrics(since, until)
        events = self.client.events(since, until)
        traces = self.client.traces(since, until)
        scaling = [_local_activity(a) for a in self.client.scaling_activities(since, until)]
        if not metrics:
            gaps.append(Gap(source="metrics", reason="localcloud recorded no metrics in the run window"))
        if not traces:
            gaps.append(Gap(source="traces", reason="no X-Ray documents reached the localcloud daemon"))
        return TargetEvidence(metrics=metrics, events=events, traces=traces, scaling=scaling, gaps=gaps)


def _local_activity(activity: DescribedActivity) -> ScalingActivity:
    """localcloud records activities in DescribeScalingActivities' shape, with epoch-second times."""
    return ScalingActivity(
        t=activity.start_time,
        service=activity.resource_id.rsplit("/", 1)[-1],
        status=activity.status_code,
        description=activity.description,
        cause=activity.cause,
        ended_at=activity.end_time,
    )


@dataclass
class AwsSession:
    """An AWS account: real faults; evidence from CloudWatch, ECS, Application Auto Scaling and X-Ray.

    X-Ray makes traces queryable about 30 s after their last segment arrives, so evidence is
    collected only once the target's ``xray_settle`` has passed since the end of the window:
    collected earlier, the last seconds of a run (its recovery) would look traceless.
    """

    target: AwsTarget
    entry_url: str
    stop_conditions: list[StopCondition] = field(default_factory=list)
    say: Say = print
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    sampling: TraceSampling = KEPT  # the run's own rules when it has them (gameday.evidence.aws.sampling)

    def injector_for(self, planned: PlannedFault, run_id: str) -> Injector:
        return build_injector(
            planned.spec, self.target, fault_id=planned.fault_id, run_id=run_id, resources=planned.resources
        )

    def dependencies(self) -> dict[str, list[DependencyMatch]]:
        return dict(self.target.dependencies)

    @property
    def trace_sampling(self) -> str:
        return self.sampling.said

    @property
    def trace_link(self) -> str | None:
        region = self.target.region
        return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#xray:traces/{{trace_id}}"

    def collect(self, since: float, until: float, fault_windows: Sequence[Span] = ()) -> TargetEvidence:
        """The account's evidence of the window; traces kept by a sample the run did not ask for are
        a gap, so trace scores are INCONCLUSIVE rather than judged on too few calls."""
        self._settle(until + self.target.xray_settle)
        evidence = collect_aws(
            self.target, since, until, trace_cap=self.target.xray_trace_cap, fault_windows=fault_windows
        )
        if self.sampling.gap is not None:
            evidence.gaps.append(self.sampling.gap)
        return evidence

    def _settle(self, ready_at: float) -> None:
        """Wait until ``ready_at``, saying so now and every ``SETTLE_NOTE_S`` seconds."""
        left = ready_at - self.clock()
        if left <= 0:
            return
        self.say(f"waiting {left:.0f} s for X-Ray to make the last traces queryable (xray_settle)")
        while left > 0:
            self.sleep(min(left, SETTLE_NOTE_S))
            left = ready_at - self.clock()
            if left > 0:
                self.say(f"X-Ray settling: {left:.0f} s left")


def control_port(url: str) -> int:
    """The loopback port of a localcloud control URL; anything but loopback is refused."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in ("127.0.0.1", "localhost") or parsed.port is None:
        raise EnvironmentProblem(f"localcloud control_url must be http://127.0.0.1:PORT, not {url}")
    return parsed.port


def refuse_other_variant(running: str | None, asked: str | None, control_url: str) -> None:
    """A run graded against another variant than the one asked for would score the wrong shop."""
    if running == asked:
        return
    fix = f"gameday stack up --variant {asked}" if asked is not None else "gameday stack up"
    rerun = f"--variant {running}" if running is not None else "no --variant"
    raise EnvironmentProblem(
        f"localcloud at {control_url} runs {_as_variant(running)}, this run asks for {_as_variant(asked)}:"
        f" stop it with `gameday stack down` and start it with `{fix}`, or run with {rerun}"
    )


def _as_variant(name: str | None) -> str:
    return f"variant '{name}'" if name is not None else "the stack as written (no variant)"


@contextlib.contextmanager
def open_session(target: Target, plan: Plan, log_dir: Path, say: Say) -> Iterator[TargetSession]:
    """Yield a ready session; stop whatever this function started, however the run ends."""
    if isinstance(target, AwsTarget):
        with _aws_session(target, plan, log_dir, say) as session:
            yield session
        return
    client = LocalcloudClient(target.control_url)
    if client.reachable():
        say(f"using the running localcloud at {target.control_url}")
        refuse_other_variant(client.state().variant, plan.variant, target.control_url)
        if not wait_until(lambda: client.state().ready, READY_TIMEOUT_S, interval_s=0.5):
            raise EnvironmentProblem(
                f"localcloud at {target.control_url} is not ready (see `gameday stack status`)"
            )
        yield LocalSession(target=target, client=client, entry_url=client.state().entry_url)
        return
    say(f"starting localcloud with {target.stack} …")
    running = start_localcloud(
        target.stack,
        control_port(target.control_url),
        detached=False,
        log_path=RunFolder(log_dir).localcloud_log,
        variant=plan.variant,
    )
    try:
        state = running.client.state()
        say(f"localcloud ready: entry {state.entry_url}, {len(state.services)} services")
        yield LocalSession(target=target, client=running.client, entry_url=state.entry_url)
    finally:
        running.stop()
        say("localcloud stopped")


@contextlib.contextmanager
def _aws_session(target: AwsTarget, plan: Plan, log_dir: Path, say: Say) -> Iterator[AwsSession]:
    """Pre-flight first (the account check is the run's first AWS call), then watch the stop alarms
    (one already firing refuses the run before anything changes), then the run's X-Ray sampling
    rules; each undone on the way out, in reverse order."""
    account = preflight_plan(
        target, plan, lambda planned, resource: say(f"{planned.fault_id} touches {touched_line(resource)}")
    )
    say(f"AWS account {account}: allowed, every resource opted in, blast radius within limits")
    with contextlib.ExitStack() as undo:
        watchers: list[StopCondition] = []
        if target.stop_alarms:
            watcher = AlarmWatcher(aws_client(target, "cloudwatch"), target.stop_alarms, say)
            watcher.start()
            undo.callback(watcher.stop)
            watchers.append(watcher)
        sampling = KEPT
        rules = run_rules(target, plan.run_id)
        if rules is not None:
            sampling = undo.enter_context(run_sampling(rules, Ledger(RunFolder(log_dir).ledger), say))
        yield AwsSession(
            target=target,
            entry_url=target.entry_url,
            stop_conditions=watchers,
            say=say,
            sampling=sampling,
        )
