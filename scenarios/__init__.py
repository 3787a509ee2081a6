"""The scenario catalogue, installed as ``gameday.scenarios`` (see setup.py) so an installed gameday
finds it by name: ``gameday run orders-task-loss``, ``gameday scenarios``. Only data lives here."""
