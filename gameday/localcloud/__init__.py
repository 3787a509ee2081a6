"""localcloud: a local platform that runs a stack's services as real processes.

One supervisor process (``python -m gameday.localcloud serve STACK_FILE``) keeps each service's tasks
running, spread over Availability Zones that a fault can impair (:mod:`.zones`), fronts
the entry service with an ALB-like balancer, gives every dependency edge a proxy, serves SQS and an
X-Ray daemon, records CloudWatch-named metrics and task events, and answers a control API on
loopback. :mod:`gameday.localcloud.launcher` starts it; :mod:`gameday.localcloud.client` talks to
it, in the request and answer models of :mod:`gameday.localcloud.api`.
"""
