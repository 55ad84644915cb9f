from reporting.db import load_metadata
from tzsb_common.migrations import run_migrations

run_migrations(load_metadata())
