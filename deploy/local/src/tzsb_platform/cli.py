"""`tzsb <command>`: the platform's commands under one name.

`tzsb up` is `make up`; `tzsb republish …` re-publishes a snapshot topic; `tzsb import
equipment FILE` imports a register of equipment; `tzsb reporting rebuild` rebuilds reporting's
read models from the bus.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = "usage: tzsb {up,republish,import,reporting} …"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command, rest = (arguments[0], arguments[1:]) if arguments else ("", [])
    if command == "import":
        from tzsb_platform.importing import main as import_main

        return import_main(rest)
    if command == "republish":
        from tzsb_platform.republish import main as republish

        return republish(rest)
    if command == "reporting":
        from tzsb_platform.reporting import main as reporting_main

        return reporting_main(rest)
    if command == "up" and not rest:
        from tzsb_platform.up import main as up

        up()
        return 0
    print(USAGE, file=sys.stderr)
    return 2
