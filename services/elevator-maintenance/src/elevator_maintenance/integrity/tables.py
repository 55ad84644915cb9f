"""Integrity owns no tables: it reads the chain columns of `swipes` and `swipe_chain_heads`
(swipes/tables.py), which ingestion writes."""
