"""`python -m xinyong` runs the CLI."""

from xinyong.cli.main import main

main()
