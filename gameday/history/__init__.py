"""Runs over time: every run folder's verdict and scores, the trend of each score, and regressions."""
