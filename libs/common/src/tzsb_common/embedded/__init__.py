"""The embedded PostgreSQL and Kafka servers that `make up` and the tests start.

Both run as our own child processes bound to 127.0.0.1, with their output in log files under
their home directory, rotated by size (output.py), so whoever starts them controls their
lifetime.
"""

from tzsb_common.embedded._process import (
    free_port,
    log_tail,
    port_in_use,
    stop_process,
    stop_stale_process,
)
from tzsb_common.embedded.kafka import (
    DEFAULT_JARS_DIR,
    DEFAULT_POM,
    BrokerChoice,
    BrokerStartError,
    EmbeddedBroker,
    EmbeddedKafka,
    EmbeddedTansu,
    choose_broker,
    resolve_kafka_jars,
    start_broker,
)
from tzsb_common.embedded.output import (
    DEFAULT_LOG_BACKUP_COUNT,
    DEFAULT_LOG_MAX_BYTES,
    ChildOutput,
    RotatingLog,
)
from tzsb_common.embedded.postgres import EmbeddedPostgres, PostgresStartError

__all__ = [
    "DEFAULT_JARS_DIR",
    "DEFAULT_LOG_BACKUP_COUNT",
    "DEFAULT_LOG_MAX_BYTES",
    "DEFAULT_POM",
    "BrokerChoice",
    "BrokerStartError",
    "ChildOutput",
    "EmbeddedBroker",
    "EmbeddedKafka",
    "EmbeddedPostgres",
    "EmbeddedTansu",
    "PostgresStartError",
    "RotatingLog",
    "choose_broker",
    "free_port",
    "log_tail",
    "port_in_use",
    "resolve_kafka_jars",
    "start_broker",
    "stop_process",
    "stop_stale_process",
]
