"""``python -m flashsale`` runs the command line, for environments without the script on PATH."""

from flashsale.cli.app import main

main()
