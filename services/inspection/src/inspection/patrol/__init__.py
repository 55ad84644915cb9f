"""Online patrol (网上巡查): the bureau's daily questions to the equipment data."""
