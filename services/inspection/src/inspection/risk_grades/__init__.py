"""Risk grades (风险分级) of use units: A (lowest) to D (highest), from the last year's findings."""
