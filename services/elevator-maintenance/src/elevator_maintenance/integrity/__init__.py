"""Tamper evidence (防篡改): verifying a company's swipe hash chain over a range."""
