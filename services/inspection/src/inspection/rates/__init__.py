"""Rates for reporting (检验率, 隐患率, 整改率) over a period."""
