"""A team's own gameday fault kind (``drain-tasks``) and score (``min_running_tasks``)."""
