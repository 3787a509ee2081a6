"""Safety on real targets: checks before anything is touched, a dry run, and live stop conditions.

Pre-flight (:mod:`gameday.safety.preflight`) refuses a run in the wrong account, on resources
nobody opted in, or with a fault larger than the target allows. The dry run
(:mod:`gameday.safety.dry_run`) shows every change a run would make without making it. Guardrails
(:mod:`gameday.safety.guardrails`) end a run that is hurting more than the scenario allows.
"""
