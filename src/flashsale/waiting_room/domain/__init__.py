"""The pure rules of the waiting room: the line, the draw's fairness, proof of work, token
buckets."""
