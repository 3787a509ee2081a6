"""The shop flow with the step shape for plain Locust, outside any game day.

    GAMEDAY_LOAD_MAX_USERS=20 GAMEDAY_LOAD_DURATION=2m \\
        locust -f loadprofiles/locustfile.py --headless --host http://127.0.0.1:8080

Shape parameters come from ``GAMEDAY_LOAD_*`` variables (see :func:`loadprofiles.schedule.schedule_from_env`).
"""

from loadprofiles.flows.shop import ShopUser
from loadprofiles.shapes import StepShape

__all__ = ["ShopUser", "StepShape"]
