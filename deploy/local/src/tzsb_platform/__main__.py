"""`python -m tzsb_platform` is `make up`."""

from tzsb_platform.up import main

main()
