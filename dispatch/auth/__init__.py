"""Organisations, users and roles, login, API keys."""
