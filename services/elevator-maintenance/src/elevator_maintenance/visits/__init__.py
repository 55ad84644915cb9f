"""Maintenance visits (维保记录): a start and an end swipe paired, one or more workers."""
