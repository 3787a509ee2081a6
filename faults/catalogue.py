"""The fault kinds installed: gameday's own and any package's, from the ``gameday.faults`` group.

Loaded once, when this module is first imported, because a scenario's ``faults:`` entries are
validated against the union of every installed kind's model (:data:`FaultSpec`) and the ledger's
revert plans against the union of every kind's plan models. A broken plugin stops gameday with
one line naming it (:class:`gameday.plugins.PluginError`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from faults.kind import FaultKind, Revert
from gameday.errors import GamedayError
from gameday.faultspecs import FaultBase
from gameday.plugins import FAULTS_GROUP, PluginError, load_plugins, tagged_union


def _name(kind: FaultKind) -> str:
    try:
        return kind.name
    except GamedayError as error:
        raise PluginError(f"{FAULTS_GROUP}: {error}") from None


def _reverts(kinds: dict[str, FaultKind]) -> dict[str, Revert]:
    """Every kind's reverts by action; kinds may share one (the network kinds clear the same fault)."""
    found: dict[str, tuple[Revert, str]] = {}
    for kind in kinds.values():
        for revert in kind.reverts:
            action = _action(revert, kind)
            if action in found and found[action][0] != revert:
                raise PluginError(
                    f"{FAULTS_GROUP}: revert action '{action}' is defined by both kind "
                    f"'{found[action][1]}' and kind '{kind.name}' with different plans or reverters"
                )
            found.setdefault(action, (revert, kind.name))
    return {action: revert for action, (revert, _) in found.items()}


def _action(revert: Revert, kind: FaultKind) -> str:
    try:
        return revert.action
    except GamedayError as error:
        raise PluginError(f"{FAULTS_GROUP}: kind '{kind.name}': {error}") from None


def _load() -> dict[str, FaultKind]:
    kinds = load_plugins(FAULTS_GROUP, FaultKind, _name)
    if not kinds:  # gameday's own are registered in its own metadata: it is not installed
        raise PluginError(f"{FAULTS_GROUP}: no fault kind is installed; reinstall gameday")
    return kinds


KINDS: dict[str, FaultKind] = _load()
"""Every installed kind by its scenario name (``kill-tasks``, ``break-network`` …)."""
REVERTS: dict[str, Revert] = _reverts(KINDS)
"""Every installed kind's revert plans and reverters, by the plan's ``action``."""


def kind_of(fault: FaultBase) -> FaultKind:
    """The kind a validated fault entry belongs to."""
    return KINDS[fault.kind]


if TYPE_CHECKING:
    FaultSpec = FaultBase
else:
    FaultSpec = tagged_union([kind.spec for kind in KINDS.values()], "kind")
"""One scenario fault entry of any installed kind, told apart by ``kind``."""
