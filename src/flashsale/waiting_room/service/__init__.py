"""The waiting room's use cases: joining, standing, admitting, and the purchase path's admission
check.
"""
