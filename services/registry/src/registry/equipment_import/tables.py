"""The import's keys: one per imported row, so that a file uploaded again is recognised."""

from __future__ import annotations

from registry.db import metadata
from tzsb_common.bulk import add_idempotency_table

equipment_import_keys = add_idempotency_table(metadata, "equipment_import_keys")
"""`client_key` is `<equipment code>:<digest of the row's values>` (see rules.row_key)."""
