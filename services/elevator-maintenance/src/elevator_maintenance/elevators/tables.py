"""The elevator list owns no tables: it reads the replicas (replicas/tables.py) and visits
(visits/tables.py)."""
