"""``gameday scenarios``: the demo catalogue an installed gameday carries, by the names runs take.

Each line is what a newcomer needs to pick one: the name ``gameday run`` accepts, how long the game
day lasts and the first sentence of its description. The files' folder is printed too, so a team
can copy one as the start of its own.
"""

from __future__ import annotations

from gameday.packaged import catalogue
from gameday.scenario import load_scenario


def scenarios() -> int:
    found = catalogue()
    width = max(len(name) for name in found)
    for name, path in found.items():
        scenario = load_scenario(path)
        summary = scenario.description.split(". ")[0].strip().removesuffix(".")
        print(f"{name:<{width}}  {scenario.duration:>5g}s  {summary}")
    folder = next(iter(found.values())).parent
    print(f"\n`gameday run NAME` runs one (a file of that name here comes first); files in {folder}")
    return 0
