"""The pure rules of a sale: its terms, a purchase's decision, the audit."""
