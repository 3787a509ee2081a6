"""Evidence from an AWS target: X-Ray traces, CloudWatch metrics, ECS task events, scaling activities.

Each source module turns AWS answers into the same records localcloud produces, under the
scenario's logical names, and says with a :class:`~gameday.evidence.records.Gap` whatever it could
not get, so a score never passes on evidence that silently went missing.
"""
