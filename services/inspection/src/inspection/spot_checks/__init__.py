"""Spot checks (双随机、一公开): units and inspectors drawn at random, reproducibly."""
