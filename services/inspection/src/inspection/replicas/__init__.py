"""Local copies of other services' records, kept from their events."""
