"""Overdue maintenance owns no tables of its own: its spells are rows of the deadline ledger
(db.py, tzsb_common.deadlines), one per elevator and due date."""
