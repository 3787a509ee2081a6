"""Stack variants: the overlay localcloud applies, and the shop settings the variants turn."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.stack import write_free_port_stack
from gameday.errors import EnvironmentProblem, InputError
from gameday.localcloud.variants import load_stack_as, load_variants
from gameday.run.plan import build_plan
from gameday.run.sessions import refuse_other_variant
from gameday.scenario import load_scenario
from gameday.shop.breaker import BreakerSettings, BreakerState, CircuitBreaker
from gameday.shop.config import ConfigError
from gameday.shop.retry import RetryPolicy, UpstreamServerError
from gameday.targets import LocalTarget

REPO = Path(__file__).resolve().parents[1]
ENV_VARIANTS = ["good", "no-retries", "retry-storm", "no-breaker", "stuck-breaker"]


@pytest.fixture
def stack_path(tmp_path: Path) -> Path:
    return write_free_port_stack(tmp_path)


def test_the_shop_declares_every_truth_check_variant(stack_path: Path) -> None:
    assert set(load_variants(stack_path)) == {
        *ENV_VARIANTS,
        "plain",
        "no-autoscaling",
        "slow-autoscaling",
        "one-zone",
    }


def test_plain_changes_the_tracing_of_the_services_that_call_out_and_nothing_else(stack_path: Path) -> None:
    written = load_stack_as(stack_path, None)
    plain = load_stack_as(stack_path, "plain")
    for name in ("bff", "orders", "worker"):
        assert plain.services[name].env == {**written.services[name].env, "SHOP_TRACING": "plain"}
        assert (
            plain.services[name].model_copy(update={"env": written.services[name].env})
            == (written.services[name])
        )
    assert plain.services["catalog"] == written.services["catalog"]


def test_variants_compose_left_to_right(stack_path: Path) -> None:
    composed = load_stack_as(stack_path, "plain+retry-storm+no-retries")
    assert composed.services["bff"].env == {
        "SHOP_TRACING": "plain",
        "RETRY_MAX_ATTEMPTS": "1",  # no-retries, last, wins over retry-storm's 10
        "RETRY_BACKOFF": "none",
    }
    assert composed.services["orders"].env == {"SHOP_TRACING": "plain"}
    assert (
        load_stack_as(stack_path, "no-retries+retry-storm").services["bff"].env["RETRY_MAX_ATTEMPTS"] == "10"
    )


def test_composed_scaling_overlays_merge_in_order(stack_path: Path) -> None:
    written = load_stack_as(stack_path, None).services["bff"].scaling
    slow = load_stack_as(stack_path, "plain+slow-autoscaling").services["bff"]
    assert slow.env == {"SHOP_TRACING": "plain"}
    assert slow.scaling is not None and written is not None
    assert (slow.scaling.window, slow.scaling.min, slow.scaling.max) == (60.0, written.min, written.max)
    assert load_stack_as(stack_path, "slow-autoscaling+no-autoscaling").services["bff"].scaling is None


def test_changing_scaling_an_earlier_part_removed_is_refused(stack_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"slow-autoscaling.services.bff.scaling: the service has no scaling to change once the "
        r"variants before this one are applied",
    ):
        load_stack_as(stack_path, "no-autoscaling+slow-autoscaling")


def test_every_part_of_a_composed_name_must_be_a_variant(stack_path: Path) -> None:
    with pytest.raises(InputError, match=r"no variant named 'fast' in 'plain\+fast' \(known: good, "):
        load_stack_as(stack_path, "plain+fast")
    with pytest.raises(InputError, match=r"no variant named '' in 'plain\+' \(known: good, "):
        load_stack_as(stack_path, "plain+")


def test_an_unknown_variant_names_the_known_ones(stack_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"no variant named 'fast' \(known: good, no-autoscaling, no-breaker"
    ):
        load_stack_as(stack_path, "fast")


def test_a_stack_without_variants_file_says_so(stack_path: Path) -> None:
    (stack_path.parent / "variants.yaml").unlink()
    with pytest.raises(InputError, match="known: none"):
        load_stack_as(stack_path, "good")


def test_env_is_applied_to_the_named_service_only(stack_path: Path) -> None:
    plain = load_stack_as(stack_path, None)
    stack = load_stack_as(stack_path, "retry-storm")
    assert stack.services["bff"].env == {"RETRY_MAX_ATTEMPTS": "10", "RETRY_BACKOFF": "none"}
    assert stack.services["catalog"] == plain.services["catalog"]
    assert load_stack_as(stack_path, "good") == plain


def test_a_variant_naming_an_unknown_service_is_refused(stack_path: Path) -> None:
    variants = stack_path.parent / "variants.yaml"
    variants.write_text(
        "variants:\n  odd:\n    description: x\n    services:\n      basket: {env: {A: '1'}}\n"
    )
    with pytest.raises(
        InputError, match=r"no service named 'basket' \(known: bff, catalog, orders, worker\)"
    ):
        load_stack_as(stack_path, "odd")


def test_no_autoscaling_removes_scaling_and_changes_nothing_else(stack_path: Path) -> None:
    plain = load_stack_as(stack_path, None)
    stack = load_stack_as(stack_path, "no-autoscaling")
    assert plain.services["bff"].scaling is not None and plain.services["worker"].scaling is not None
    assert stack.services["bff"].scaling is None and stack.services["worker"].scaling is None
    assert (
        stack.services["bff"].model_copy(update={"scaling": plain.services["bff"].scaling})
        == (plain.services["bff"])
    )


def test_slow_autoscaling_keeps_the_bounds_but_reacts_late(stack_path: Path) -> None:
    plain = load_stack_as(stack_path, None).services["bff"].scaling
    slow = load_stack_as(stack_path, "slow-autoscaling").services["bff"].scaling
    assert plain is not None and slow is not None
    assert (slow.window, slow.scale_out_cooldown) == (60.0, 60.0)
    assert (slow.min, slow.max, slow.policy.metric) == (plain.min, plain.max, plain.policy.metric)
    assert slow.window > plain.window and slow.scale_out_cooldown > plain.scale_out_cooldown
    assert slow.policy.target > plain.policy.target


def test_changing_scaling_a_service_does_not_have_is_refused(stack_path: Path) -> None:
    variants = stack_path.parent / "variants.yaml"
    variants.write_text(
        "variants:\n  odd:\n    description: x\n    services:\n      catalog: {scaling: {window: 9s}}\n"
    )
    with pytest.raises(InputError, match=r"catalog.scaling: the service has no scaling in the stack file"):
        load_stack_as(stack_path, "odd")


def test_a_composed_name_is_the_variant_a_run_records() -> None:
    scenario = load_scenario(REPO / "scenarios" / "ci-catalog-retries.yaml")
    plan = build_plan(
        scenario, LocalTarget(kind="localcloud"), "local", run_id="r", variant="plain+no-retries"
    )
    assert plan.to_json()["variant"] == "plain+no-retries"


def test_a_run_refuses_a_running_localcloud_in_another_variant() -> None:
    refuse_other_variant("no-retries", "no-retries", "http://127.0.0.1:1")
    refuse_other_variant("plain+no-retries", "plain+no-retries", "http://127.0.0.1:1")
    with pytest.raises(
        EnvironmentProblem, match=r"runs variant 'plain', this run asks for variant 'plain\+no-retries'"
    ):
        refuse_other_variant("plain", "plain+no-retries", "http://127.0.0.1:1")
    with pytest.raises(
        EnvironmentProblem, match=r"runs variant 'good'.*`gameday stack up --variant no-retries`"
    ):
        refuse_other_variant("good", "no-retries", "http://127.0.0.1:1")
    with pytest.raises(EnvironmentProblem, match=r"the stack as written.*or run with no --variant"):
        refuse_other_variant(None, "good", "http://127.0.0.1:1")


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def _always_failing(policy: RetryPolicy, sleep: Sleeps) -> int:
    attempts = 0
    with pytest.raises(UpstreamServerError):
        async for attempt in policy.retrying(sleep):
            with attempt:
                attempts += 1
                raise UpstreamServerError(503)
    return attempts


def test_retry_storm_settings_retry_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRY_MAX_ATTEMPTS", "10")
    monkeypatch.setenv("RETRY_BACKOFF", "none")
    sleep = Sleeps()
    assert asyncio.run(_always_failing(RetryPolicy.from_env(), sleep)) == 10
    assert sleep.waits == [0.0] * 9


def test_the_default_backoff_waits_between_attempts() -> None:
    sleep = Sleeps()
    assert asyncio.run(_always_failing(RetryPolicy(base_delay_s=0.05), sleep)) == 3
    assert len(sleep.waits) == 2


def test_a_backoff_that_is_not_known_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRY_BACKOFF", "linear")
    with pytest.raises(ConfigError, match="RETRY_BACKOFF='linear' must be one of: exponential, none"):
        RetryPolicy.from_env()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fail_calls(breaker: CircuitBreaker, count: int) -> BreakerState:
    state = breaker.state
    for _ in range(count):
        permit = breaker.acquire()
        assert permit is not None
        state = breaker.record(permit, failed=True)
    return state


def test_a_disabled_breaker_never_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKER_ENABLED", "false")
    breaker = CircuitBreaker("catalog", BreakerSettings.from_env(), FakeClock())
    assert _fail_calls(breaker, 100) is BreakerState.CLOSED


def test_a_stuck_breaker_stays_open_after_its_reset_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKER_NEVER_CLOSE", "true")
    clock = FakeClock()
    breaker = CircuitBreaker("catalog", BreakerSettings.from_env(), clock)
    assert _fail_calls(breaker, breaker.settings.failure_threshold) is BreakerState.OPEN
    clock.now += breaker.settings.reset_timeout_s * 100
    assert breaker.acquire() is None
    assert breaker.state is BreakerState.OPEN


def test_breaker_switches_take_true_or_false_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREAKER_ENABLED", "no")
    with pytest.raises(ConfigError, match="BREAKER_ENABLED='no' must be one of: true, false"):
        BreakerSettings.from_env()
