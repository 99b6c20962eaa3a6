"""Reporting's use cases: the projector, the reports, the rates, the targets."""
