"""The transactional outbox: events are written with the change and published by a relay.

Producer contract: `add_event` inserts through the caller's session and never commits; the
event exists exactly when the change it describes does.

Relay contract: rows are claimed by state (`sent_at IS NULL AND failed_at IS NULL`), never by an
id cursor, so a row whose transaction commits after a later row's is still published (the
"outbox gap"). Order per subject holds because every subject hashes to one bucket, and a bucket
is published only under a transaction-scoped advisory lock, in id order, by one relay at a time.
A row is marked sent in the same transaction that held the lock while it was published, so two
relays never publish it twice; a crash between the broker's ack and the commit republishes it
(at least once — the consumers' inbox makes that harmless).

Buckets are assigned by the database, not by the writer: a trigger hashes the subject into the
bucket count stored in `outbox_settings`, so every process — whatever its `OUTBOX_BUCKETS` —
writes one subject into one bucket, and relays scan the stored count. `OUTBOX_BUCKETS` is the
count a relay asks for: when it differs from the stored one, the relay changes it at start under
every bucket lock and a SHARE lock on the outbox (so no writer or relay is half-way), and moves
the unsent rows to their new buckets in the same transaction. Every change is safe, also in a
rolling deploy; replicas should still agree, or each start moves the rows again.

Poison rows: a row that fails for a reason of its own — too large for the broker, not a valid
envelope, not serialisable — is retried `OUTBOX_MAX_ATTEMPTS` times and then marked failed
(`failed_at`, `last_error`); it is counted in `/metrics` and listed at `GET
/api/v1/outbox/failed`. While it is being retried, later rows of the same subject wait behind it;
once it is marked failed, they go on. Going on is the right default: every snapshot event
carries a newer `version` than the failed one, so replicas converge on the subject's latest
state, whereas waiting would freeze the subject in every consumer until an operator acts. A
broker that is away is nobody's row's fault: those rows are retried for ever, with backoff.

One retry case can repeat an older event after a newer one: when a batch fails part-way, a
produce request already on its way may still land, and the retry then sends the whole batch
again. (What the dropped producer had merely queued is thrown away, see
`_abandon_queued_batches`.) Snapshot events therefore carry a `version`, and a replica applies
one only if it is newer than what it holds.

Retention: by default (`OUTBOX_RETENTION_HOURS=0`) a row is deleted in the transaction that
published it; the topic, not the outbox, is the record of what was sent. With a retention, sent
rows are kept (`sent_at` set) and deleted in batches every `OUTBOX_CLEANUP_INTERVAL_S` once
older than it, each pass until nothing expired is left, so clean-up keeps pace with any
sustained publishing rate (benchmarks/outbox_retention.py measures it); the clean-up also
removes what a retention left behind after it is set to zero. Failed rows are kept until an
operator deals with them.

The modules: `table` (the table, its buckets and triggers), `writer` (Outbox, in the caller's
transaction), `relay` (OutboxRelay: publishing, retries, retention), `records` (a row as the
Kafka record it publishes) and `failed` (the failed rows' HTTP API). Everything is imported
from here.
"""

from tzsb_common.outbox.failed import failed_outbox_router, list_failed_rows, retry_failed_row
from tzsb_common.outbox.records import ROW_FAULT_ERRORS, subject_partition
from tzsb_common.outbox.relay import OutboxRelay
from tzsb_common.outbox.table import (
    ADVISORY_LOCK_CLASS,
    BUCKET_TRIGGER_DDL,
    DROP_BUCKET_TRIGGER_DDL,
    DROP_NOTIFY_TRIGGER_DDL,
    MAX_BUCKETS,
    NOTIFY_CHANNEL,
    NOTIFY_TRIGGER_DDL,
    SETTINGS_TABLE,
    add_outbox_table,
    apply_bucket_count,
    outbox_settings_table,
    stored_bucket_count,
    subject_bucket,
)
from tzsb_common.outbox.writer import CurrentOutbox, Outbox

__all__ = [
    "ADVISORY_LOCK_CLASS",
    "BUCKET_TRIGGER_DDL",
    "DROP_BUCKET_TRIGGER_DDL",
    "DROP_NOTIFY_TRIGGER_DDL",
    "MAX_BUCKETS",
    "NOTIFY_CHANNEL",
    "NOTIFY_TRIGGER_DDL",
    "ROW_FAULT_ERRORS",
    "SETTINGS_TABLE",
    "CurrentOutbox",
    "Outbox",
    "OutboxRelay",
    "add_outbox_table",
    "apply_bucket_count",
    "failed_outbox_router",
    "list_failed_rows",
    "outbox_settings_table",
    "retry_failed_row",
    "stored_bucket_count",
    "subject_bucket",
    "subject_partition",
]
