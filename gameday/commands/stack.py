"""``gameday stack up|down|status``: localcloud as a long-lived background platform."""

from __future__ import annotations

from pathlib import Path

from gameday.errors import EnvironmentProblem, InputError
from gameday.localcloud.api import PlatformState
from gameday.localcloud.client import LocalcloudClient
from gameday.localcloud.launcher import start_localcloud
from gameday.processes import wait_until
from gameday.run.sessions import control_port
from gameday.targets import LocalTarget, load_target

STOP_TIMEOUT_S = 30.0


def dispatch(
    action: str, target_name: str, targets_path: Path, stack_path: Path | None, variant: str | None = None
) -> int:
    target = load_target(targets_path, target_name)
    if not isinstance(target, LocalTarget):
        raise InputError(
            f"target '{target_name}' is not a localcloud target; `gameday stack` manages localcloud only"
        )
    client = LocalcloudClient(target.control_url)
    if action == "up":
        return _up(target, client, stack_path or target.stack, variant)
    if action == "down":
        return _down(target, client)
    return _status(target, client)


def _up(target: LocalTarget, client: LocalcloudClient, stack_path: Path, variant: str | None) -> int:
    if client.reachable():
        raise EnvironmentProblem(
            f"localcloud is already running at {target.control_url} (`gameday stack down` stops it)"
        )
    log_path = Path("reports") / "localcloud.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    running = start_localcloud(
        stack_path, control_port(target.control_url), detached=True, log_path=log_path, variant=variant
    )
    as_variant = f" as variant '{variant}'" if variant is not None else ""
    print(f"localcloud is up{as_variant} (pid {running.pid}), log in {log_path}")
    _print_state(running.client.state())
    return 0


def _down(target: LocalTarget, client: LocalcloudClient) -> int:
    if not client.reachable():
        print(f"localcloud is not running at {target.control_url}")
        return 0
    client.shutdown()
    if not wait_until(lambda: not client.reachable(), STOP_TIMEOUT_S, interval_s=0.2):
        raise EnvironmentProblem(
            f"localcloud at {target.control_url} did not stop within {STOP_TIMEOUT_S:g}s"
        )
    print("localcloud stopped")
    return 0


def _status(target: LocalTarget, client: LocalcloudClient) -> int:
    if not client.reachable():
        print(f"localcloud is not running at {target.control_url}")
        return 3
    _print_state(client.state())
    return 0


def _print_state(state: PlatformState) -> None:
    print(f"entry: {state.entry_url}   ready: {state.ready}")
    print(f"{'service':<12} {'desired':>7} {'running':>7} {'healthy':>7}")
    for name, service in state.services.items():
        print(f"{name:<12} {service.desired:>7} {service.running:>7} {service.healthy:>7}")
