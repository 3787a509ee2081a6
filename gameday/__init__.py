"""gameday: chaos and resilience game days for microservices on AWS and on localcloud."""

__version__ = "0.1.0"
