"""``python -m practicegrade``: the hook pins this interpreter and calls it this way."""

from practicegrade.cli import main

main(prog_name="practicegrade")
