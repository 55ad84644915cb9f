"""Read models (读模型): the other services' records as reporting needs them, built only from
their events, plus the per-elevator monthly visit roll-up the indicators read."""
