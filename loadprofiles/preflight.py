"""Is the stack's entry answering at all? Asked by the orchestrator before load or any fault.

A run against a dead entry would inject faults into nothing and score an outage the harness caused
itself, so the orchestrator refuses to start instead. Plain urllib: this runs in the orchestrator,
which must not import Locust.
"""

from __future__ import annotations

import urllib.error
import urllib.request


def check_reachable(host: str, timeout: float) -> str | None:
    """None when ``host`` answers HTTP below 500, else one line saying what went wrong.

    Any 2xx-4xx counts (the root path need not exist); a 5xx means the entry is up but has nothing
    healthy behind it, which is as unfit for a game day as no answer.
    """
    url = host.rstrip("/") + "/"
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return None if exc.code < 500 else f"HTTP {exc.code} from {url}"
    except urllib.error.URLError as exc:
        return f"cannot connect to {url}: {exc.reason}"
    except (TimeoutError, OSError) as exc:
        return f"no answer from {url}: {exc}"
    except ValueError as exc:
        return f"not a URL: {host!r} ({exc})"
