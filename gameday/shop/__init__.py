"""shop: the demo microservices gameday tests its resilience against.

bff (the entry) calls catalog and orders over HTTP; orders puts each order on the SQS queue
"orders"; worker consumes it. Every service is an aiohttp process traced with the AWS X-Ray SDK,
configured only by environment variables, so the same code runs under localcloud and on ECS.
bff protects itself with retries (tenacity) and a circuit breaker per dependency: the
mechanisms a game day puts to the test.
"""
