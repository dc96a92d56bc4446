"""Organisations, people, user accounts and roles."""
