-- Runs once, when the postgres container initialises an empty data directory.
-- One database per service; no service reads another's tables.
CREATE DATABASE tzsb_registry;
CREATE DATABASE tzsb_inspection;
CREATE DATABASE tzsb_elevator_maintenance;
CREATE DATABASE tzsb_cylinder_trace;
CREATE DATABASE tzsb_reporting;

-- Only roles granted CONNECT explicitly (below, and the owner) may open them.
REVOKE CONNECT, TEMPORARY ON DATABASE tzsb_registry FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE tzsb_inspection FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE tzsb_elevator_maintenance FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE tzsb_cylinder_trace FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE tzsb_reporting FROM PUBLIC;
