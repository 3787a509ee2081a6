"""What a run tells a team beyond its verdict: the timeline of events, the impact on users per
route, and findings that name a mechanism and its measured effect.

Everything here is read from the same evidence and score card as the verdict, by pure functions,
so ``gameday report RUN`` writes the same story again from the run folder alone, and nothing here
can contradict a score.
"""
