"""stress-cpu: burn CPU in a service's tasks for the window, like FIS ``aws:ecs:task-cpu-stress``."""
