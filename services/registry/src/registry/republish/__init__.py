"""Re-publishing the registry's current state onto its snapshot topics (重新发布)."""
