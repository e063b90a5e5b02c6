"""Observability: JSON logs with request ids, the access log, and Prometheus metrics."""
