"""Fault kinds: one package per kind of harm (``faults/<kind>/__init__.py`` holds the whole kind).

Each is a :class:`faults.kind.FaultKind`, found like a team's own through the ``gameday.faults``
entry points (:mod:`faults.catalogue`). The orchestrator only sees :class:`faults.base.Injector`;
:func:`faults.registry.build_injector` picks the kind's provider for the target's backend.
"""
