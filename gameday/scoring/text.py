"""Numbers as people read them in a one-line why: ``99.2%``, ``1,204``, ``312 ms``, ``7.0 s``.

Scores and reports share these so a value reads the same in the terminal, Markdown and HTML.
"""

from __future__ import annotations

_MAX_DECIMALS = 4


def percent(ratio: float, versus: float | None = None) -> str:
    """A ratio as a percentage with one decimal, or more when one would hide a difference.

    99.95% against a 99.99% threshold must not read as "100.0% (need ≥ 100.0%)" on a FAIL.
    """
    decimals = 1
    if versus is not None and ratio != versus:
        while decimals < _MAX_DECIMALS and f"{ratio * 100:.{decimals}f}" == f"{versus * 100:.{decimals}f}":
            decimals += 1
    return f"{ratio * 100:.{decimals}f}%"


def count(n: int) -> str:
    return f"{n:,}"


def milliseconds(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms >= 10 else f"{ms:.1f} ms"


def seconds(s: float) -> str:
    return f"{s:,.1f} s"


def value_with_unit(value: float | None, unit: str, versus: float | None = None) -> str:
    """Render a score value (or threshold) in its unit; ``—`` when there is no value."""
    if value is None:
        return "—"
    if unit == "ratio":
        return percent(value, versus)
    if unit == "ms":
        return milliseconds(value)
    if unit == "s":
        return seconds(value)
    return f"{value:g} {unit}"
