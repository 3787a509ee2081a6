"""Lets `pytest scenarios/` collect every scenario YAML as a test, through gameday's pytest plugin."""
