"""Entry points: the HTTP API and pages, the command line, workers, the load simulator."""
