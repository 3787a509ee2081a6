"""Stack variants: the same stack with a few settings changed, to check that scores tell the truth.

A variant is an overlay on the stack file, read from ``variants.yaml`` beside it: per service, extra
``env`` (merged over the service's own), a ``scaling`` change (``null`` removes the service's
auto scaling; a mapping is merged over it) and ``zones`` (the zones its tasks may be placed in,
replacing the service's own; ``null`` places them in every zone of the stack). A variant changes
configuration only, never code, so a game day against ``no-retries`` runs exactly the tasks an ECS
task definition with the same variables would run.

Variants compose: ``plain+no-retries`` applies ``plain``'s overlay, then ``no-retries``'s over it.
Every part must be a declared variant; the composed name is the variant's name wherever a run
records or compares it.

The overlaid stack is validated like the stack file itself, so a variant cannot produce a stack the
file could not have declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from gameday.errors import InputError, Problem
from gameday.localcloud.stack import Stack, load_stack
from gameday.shared import Strict
from gameday.yamlfile import Location, field_name, line_for, load_model, read_yaml

VARIANTS_FILE = "variants.yaml"
COMPOSE = "+"  # joins variant names: ``plain+no-retries``


class ServiceOverride(Strict):
    env: dict[str, str] = Field(default_factory=dict)
    scaling: dict[str, Any] | None = Field(
        default=None, description="null: no auto scaling; a mapping: merged over the service's scaling"
    )
    zones: list[str] | None = Field(
        default=None, description="the zones its tasks may be placed in; null: every zone of the stack"
    )


class Variant(Strict):
    description: str = Field(min_length=1)
    services: dict[str, ServiceOverride] = Field(default_factory=dict)


class VariantsFile(Strict):
    variants: dict[str, Variant] = Field(min_length=1)


def variants_path(stack_path: Path) -> Path:
    return stack_path.parent / VARIANTS_FILE


def load_variants(stack_path: Path) -> dict[str, Variant]:
    """The variants declared beside ``stack_path``; none when there is no variants file."""
    path = variants_path(stack_path)
    if not path.exists():
        return {}
    return load_model(path, VariantsFile).variants


def load_stack_as(stack_path: Path, variant: str | None) -> Stack:
    """The stack file, validated, as ``variant`` runs it (as written when ``variant`` is None)."""
    stack = load_stack(stack_path)
    return stack if variant is None else apply_variant(stack, stack_path, variant)


def apply_variant(stack: Stack, stack_path: Path, name: str) -> Stack:
    """``stack`` as variant ``name`` runs it; InputError names the known variants or what is wrong.

    ``name`` may join variants with ``+`` (``plain+no-retries``): their overlays apply left to
    right, so a later part's ``env`` value or ``scaling`` change wins over an earlier one's.
    """
    variants = load_variants(stack_path)
    source = str(variants_path(stack_path))
    parts = name.split(COMPOSE)
    unknown = [part for part in parts if part not in variants]
    if unknown:
        known = ", ".join(sorted(variants)) or f"none ({source} does not exist)"
        within = f" in '{name}'" if len(parts) > 1 else ""
        raise InputError(
            [Problem(source, None, "", f"no variant named '{unknown[0]}'{within} (known: {known})")]
        )
    raw = stack.model_dump()
    problems: list[tuple[Location, str]] = []
    for index, part in enumerate(parts):
        problems += _overlay(raw, variants[part], part, after_others=index > 0)
    if not problems:
        try:
            return Stack.model_validate(raw)
        except ValidationError as error:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            problems = [(("variants", part), f"gives an invalid stack: {reasons}") for part in parts[-1:]]
    _, lines = read_yaml(variants_path(stack_path))
    raise InputError(
        [Problem(source, line_for(where, lines), field_name(where), message) for where, message in problems]
    )


def _overlay(
    raw: dict[str, Any], variant: Variant, name: str, after_others: bool
) -> list[tuple[Location, str]]:
    """Apply one variant's overrides to the dumped stack ``raw``, in place; what could not be
    applied, each at its place in the variants file."""
    problems: list[tuple[Location, str]] = []
    for service_name, override in variant.services.items():
        where: Location = ("variants", name, "services", service_name)
        service = raw["services"].get(service_name)
        if service is None:
            known = ", ".join(sorted(raw["services"]))
            problems.append((where, f"no service named '{service_name}' (known: {known})"))
            continue
        service["env"] = {**service["env"], **override.env}
        if "zones" in override.model_fields_set:
            service["zones"] = override.zones
        if "scaling" in override.model_fields_set:
            problem = _overlay_scaling(service, override.scaling, after_others)
            if problem:
                problems.append(((*where, "scaling"), problem))
    return problems


def _overlay_scaling(
    service: dict[str, Any], scaling: dict[str, Any] | None, after_others: bool
) -> str | None:
    if scaling is None:
        service["scaling"] = None
        return None
    if service.get("scaling") is None:
        if after_others:
            return "the service has no scaling to change once the variants before this one are applied"
        return "the service has no scaling in the stack file to change"
    service["scaling"] = {**service["scaling"], **scaling}
    return None
