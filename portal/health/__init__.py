"""Relationship health: signals, scores, snapshots, alerts and the account managers' dashboard."""
