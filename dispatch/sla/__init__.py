"""Deadlines: rules from config/sla.toml, the working-day calendar, milestone planning."""
