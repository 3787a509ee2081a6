"""Run orchestration: scenario → plan → (load ∥ faults) → evidence → scores → reports."""
