"""Local copies of the registry's records that the filling rules need, kept from its events."""
