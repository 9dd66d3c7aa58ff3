"""Work orders, their milestones and timeline, and the lifecycle that changes their state."""
