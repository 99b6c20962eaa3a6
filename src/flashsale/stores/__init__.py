"""Mi Home and Authorized Mi Stores: stores (inventory locations of kind ``store``), their
tills and the point of sale, selling from the same stock ledger as the web."""
