"""Fault injectors: one package or module per kind of harm, each with a localcloud and an AWS provider.

The orchestrator only sees :class:`faults.base.Injector`; :func:`faults.registry.build_injector`
is the one place that knows which provider serves which kind on which backend.
"""
