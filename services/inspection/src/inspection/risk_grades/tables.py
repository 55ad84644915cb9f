"""Risk grades have no table of their own: a grade is computed when asked, from the hazards,
inspections and due schedule of the day it is asked for, so it is never stale. A draw keeps the
grades it drew with (spot_checks.tables)."""
