from machinery_support import metadata
from tzsb_common.migrations import run_migrations

run_migrations(metadata)
