"""A sale's use cases: terms and registration, purchasing, the gate's directory and reconciler, the
audit.
"""
