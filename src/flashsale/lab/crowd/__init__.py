"""The simulated crowd: fans who register, wait for the opening, buy, pay or walk away.

It talks to the shop only over HTTP, as real fans would, and checks from what it saw that no
unit was sold twice. The demo uses it; so can a load test against any local server.
"""
