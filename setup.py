"""What pyproject.toml cannot say: the top-level ``scenarios/`` folder ships inside gameday.

The catalogue stays at the top of the repository, where people look for it, yet an installed
gameday must carry it (``gameday run orders-task-loss`` from any folder). setuptools maps a
package to a folder of another name only for packages listed by name, which its ``find`` in
pyproject.toml cannot add to, so the package list is built here.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["gameday*", "faults*", "loadprofiles*"]),
        "gameday.scenarios",
        "gameday.scenarios.fis",  # FIS templates the scenarios name by relative path
    ],
    package_dir={"gameday.scenarios": "scenarios"},
)
