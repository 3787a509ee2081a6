"""Upper bounds on counts in input files, far above any real use and far below harm.

A typo of a few extra digits (``users: 20000000``, ``count: 1e6``) must be an error at its line,
not a load generator asked for twenty million users or a fault that tries to stop a million tasks.
"""

MAX_USERS = 1_000_000  # simulated users of a load shape, across every worker machine
MAX_COUNT = 10_000  # tasks, messages, consumers … a fault names by number
