"""Shared machinery of the tzsb services. Nothing domain-specific lives here."""
