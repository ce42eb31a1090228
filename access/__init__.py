"""Access control: accounts, roles, agency scope, password and token sign-in, throttling and the access log.

Plain SQL tables (like the agency registry), not event-sourced. Imports neither ``catalog`` nor ``tracker``:
agency codes are checked through callables passed in from ``config/``.
"""
