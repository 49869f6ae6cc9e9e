"""``python -m sloscope``: the same as the ``sloscope`` command."""

from sloscope.cli import main

main()
