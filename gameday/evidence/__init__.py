"""Evidence: what happened during a run, as typed records saved to and read from the run folder."""
