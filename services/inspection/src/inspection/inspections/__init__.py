"""Inspection records (检验记录) posted by inspection agencies."""
