"""Complaints (the register and the investigation record) and staff accountability."""
