"""gameday's load shapes and flows for plain Locust, outside any game day.

    GAMEDAY_LOAD_SHAPE=spike GAMEDAY_LOAD_USERS=2 GAMEDAY_LOAD_SPIKE_USERS=20 GAMEDAY_LOAD_AT=30s \\
    GAMEDAY_LOAD_FOR=20s GAMEDAY_LOAD_DURATION=2m \\
        locust -f loadprofiles/locustfile.py --headless --host http://127.0.0.1:8080

``GAMEDAY_LOAD_SHAPE`` is steady, step (the default), ramp, spike, wave or replay; every field the
shape has in a scenario's ``load`` is a ``GAMEDAY_LOAD_<FIELD>`` variable (``GAMEDAY_LOAD_MAX_USERS``,
``GAMEDAY_LOAD_STEP_EVERY=20s``, ``GAMEDAY_LOAD_FILE=loads/day.csv`` for replay, relative to the
current folder); unset fields take small defaults (:data:`loadprofiles.standalone.DEFAULTS`).
``GAMEDAY_LOAD_DURATION`` (default 10m) ends the test. ``GAMEDAY_LOAD_FLOW`` is ``shop`` (the
default), a declared flow in YAML flow style, e.g. ``{http: {wait: 0, requests: [{path: /health}]}}``,
or a team's Locust file, e.g. ``{locustfile: loadprofiles/shop_users.py, user_classes: [Browser]}``.
A bad value stops Locust with one line naming the variable.
"""

import os
import sys

from gameday.errors import InputError
from loadprofiles.flows import user_classes_for
from loadprofiles.flows.userfile import LocustFileProblem
from loadprofiles.shapes import ScheduleShape
from loadprofiles.standalone import schedule_from_env

try:
    _SCHEDULE = schedule_from_env(os.environ)
except InputError as exc:
    sys.exit(f"{__file__}: {exc}")

try:
    _USERS = user_classes_for(_SCHEDULE.load)
except LocustFileProblem as exc:
    sys.exit(f"{__file__}: GAMEDAY_LOAD_FLOW: {exc}")
globals().update({user.__name__: user for user in _USERS})  # Locust runs the classes it finds here


class GamedayShape(ScheduleShape):
    """The shape the ``GAMEDAY_LOAD_*`` variables describe; Locust builds it without arguments."""

    def __init__(self) -> None:
        super().__init__(_SCHEDULE)


__all__ = ["GamedayShape", *(user.__name__ for user in _USERS)]
