"""Event-store plumbing shared by the catalog and the tracker.

Persistence selection from settings, the base application (transcodings, conflict mapping), the projection
runner with exactly-once tracking, and the metadata of the read-model tables. Imports neither context.
"""
