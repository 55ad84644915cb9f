"""Supervision orders (监察指令书) the bureau issues for hazards, numbered per bureau and year."""
