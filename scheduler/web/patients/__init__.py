"""Patient pages: the coordinator's list and forms, and the per-role summary."""
