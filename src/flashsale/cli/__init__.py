"""The `flashsale` command line: one module per command group."""
