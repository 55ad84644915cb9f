"""`python -m tzsb_platform` is `make up`; `python -m tzsb_platform republish …` re-publishes
a service's snapshot topic (see tzsb_platform.republish); `python -m tzsb_platform import
equipment FILE` imports a register (see tzsb_platform.importing); `python -m tzsb_platform
reporting rebuild` rebuilds reporting's read models (see tzsb_platform.reporting)."""

import sys

if sys.argv[1:2] == ["republish"]:
    from tzsb_platform.republish import main as republish

    sys.exit(republish(sys.argv[2:]))

if sys.argv[1:2] == ["reporting"]:
    from tzsb_platform.reporting import main as reporting_main

    sys.exit(reporting_main(sys.argv[2:]))

if sys.argv[1:2] == ["import"]:
    from tzsb_platform.importing import main as import_main

    sys.exit(import_main(sys.argv[2:]))

from tzsb_platform.up import main

main()
