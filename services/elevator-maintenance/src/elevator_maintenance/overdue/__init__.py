"""Overdue maintenance (维保超期): the deadline machinery's clock for the maintenance interval."""
