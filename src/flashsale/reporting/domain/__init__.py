"""Reporting's pure model: facts, periods, exchange rates, questions and targets."""
