"""Hazards (隐患): recorded by inspections and the due workflow; their state machine comes later."""
