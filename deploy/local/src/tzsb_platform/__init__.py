"""Runs the whole tzsb platform on one machine: `make up` (the `tzsb-up` command).

It starts the embedded PostgreSQL and Kafka (or uses given ones), prepares every service's
database and the topics, and runs the five services as child processes until Ctrl-C.
"""
