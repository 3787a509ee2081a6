"""The run's console: plain lines off a terminal, a live panel on one that always gives the terminal back."""

from __future__ import annotations

import io
import re
import time

import pytest

from gameday.evidence.records import LoadSecond
from gameday.run.console import ActiveFault, Console, Progress
from gameday.run.live import render

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
SECOND = LoadSecond(t=1, users=12, requests=40, failures=2, p50_ms=80, p95_ms=230.4, p99_ms=400)
KILL = ActiveFault("f1-kill-tasks", "kill-tasks", "service orders")
LATENCY = ActiveFault("f2-add-latency", "add-latency", "path bff->catalog")


def _plain(text: str) -> str:
    return ANSI.sub("", text)


def test_off_a_terminal_events_and_progress_are_plain_lines() -> None:
    stream = io.StringIO()
    console = Console(stream)
    console.say("before the clock")
    console.start_clock(time.time() - 30)
    with console.live("orders-task-loss on local"):  # not a terminal: no panel
        console.progress("fault", 100, SECOND, [KILL, LATENCY])
        console.progress("fault", 100, SECOND, [KILL])  # within 5 s of the last: not printed
        console.say("fault f1-kill-tasks landed: stopped 1 task")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[gameday] before the clock"
    assert re.fullmatch(
        r"\[  30\.\ds\] fault       70s left  users 12  rps 40  errors 5\.0%  p95 230 ms  active faults 2",
        lines[1],
    ), lines[1]
    assert re.fullmatch(r"\[  30\.\ds\] fault f1-kill-tasks landed: stopped 1 task", lines[2])
    assert len(lines) == 3
    assert "\x1b" not in stream.getvalue()


def test_before_load_stats_the_plain_line_says_so() -> None:
    stream = io.StringIO()
    console = Console(stream)
    console.start_clock(time.time())
    console.progress("baseline", 45, None, [])
    assert stream.getvalue().endswith("baseline    45s left  waiting for load stats  active faults 0\n")


def test_the_panel_shows_phase_time_left_load_and_faults() -> None:
    out = io.StringIO()
    from rich.console import Console as RichConsole

    RichConsole(file=out, force_terminal=True, width=100).print(
        render("orders-task-loss on local", Progress("fault", 30, 100, SECOND, (KILL, LATENCY)))
    )
    assert "\x1b[" in out.getvalue()  # drawn for a terminal
    text = _plain(out.getvalue())
    assert "orders-task-loss on local" in text
    assert re.search(r"phase\s+fault", text)
    assert "70s left of 100s" in text
    assert "users 12   rps 40   errors 5.0%   p95 230 ms" in text
    assert re.search(r"faults\s+f1-kill-tasks\s+kill-tasks\s+service orders", text)
    assert re.search(r"f2-add-latency\s+add-latency\s+path bff->catalog", text)


def test_on_a_terminal_the_live_panel_updates_and_events_scroll_above_it() -> None:
    stream = io.StringIO()
    console = Console(stream, terminal=True)
    console.start_clock(time.time() - 10)
    with console.live("ci-orders-kill-one on local"):
        console.progress("baseline", 45, SECOND, [])
        console.say("fault f1-kill-tasks landed: stopped 1 task")
        console.progress("fault", 45, SECOND, [KILL])
    raw = stream.getvalue()
    assert raw.startswith(HIDE_CURSOR) and raw.rstrip("\n").endswith(SHOW_CURSOR)
    text = _plain(raw)
    assert re.search(r"\[  10\.\ds\] fault f1-kill-tasks landed: stopped 1 task", text)
    assert "35s left of 45s" in text
    # The final frame, left on screen, is the last progress given.
    last_frame = text[text.rindex("ci-orders-kill-one on local") :]
    assert re.search(r"faults\s+f1-kill-tasks\s+kill-tasks\s+service orders", last_frame)
    assert "active faults" not in text  # no plain progress lines under the panel


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_the_panel_gives_the_terminal_back_however_the_block_ends(error: type[BaseException]) -> None:
    stream = io.StringIO()
    console = Console(stream, terminal=True)
    console.start_clock(time.time())
    with pytest.raises(error), console.live("x on local"):
        console.progress("baseline", 45, None, [])
        raise error()
    assert stream.getvalue().rstrip("\n").endswith(SHOW_CURSOR)
    console.say("after the panel")  # printed plainly again
    assert stream.getvalue().endswith("] after the panel\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("term", "live"), [("xterm-256color", True), ("dumb", False)])
def test_a_terminal_gets_the_panel_unless_it_is_dumb(
    term: str, live: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", term)
    stream = _Terminal()
    console = Console(stream)
    console.start_clock(time.time())
    with console.live("x on local"):
        console.progress("baseline", 45, SECOND, [])
    assert (HIDE_CURSOR in stream.getvalue()) is live
    assert ("active faults 0" in stream.getvalue()) is not live
