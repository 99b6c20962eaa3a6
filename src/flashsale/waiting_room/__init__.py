"""The waiting room in front of a sale: the pre-queue, the fair draw, admissions and rate limits."""
