"""Sales reporting: daily facts projected from the order event feed, exchange rates, and the
questions an operator asks of them (sales over time, records, growth, targets, sell-outs)."""
