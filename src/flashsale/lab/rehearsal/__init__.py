"""Rehearsing a record day: a crowd against a sale, measured, checked and written up.

``flashsale simulate`` stages a sale (in this process, or on a running server over its admin
API), lets ``flashsale.lab.crowd`` in, waits for unpaid units to go back on sale, asks the server
for its audit and reports the figures and every broken promise.
"""
