"""kill-tasks: stop a count or a percent of a service's running tasks, like FIS ``aws:ecs:stop-task``.

``core`` holds the flow every backend shares (select, stop, confirm); ``local`` and ``aws`` only
know how to list, stop and observe tasks on localcloud and on ECS.
"""
