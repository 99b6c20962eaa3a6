"""Tools around the shop, not the shop: the crowd simulator, rehearsals, the demo, dev servers. The
product imports nothing of it.
"""
