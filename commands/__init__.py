"""Sub-commands of `cli.py`; each module exposes `register(subparsers)`.

Commands parse arguments, call `indicators/` and `db/`, print French messages and return
an exit code (0 accepted, 1 error, 2 rejected input).
"""
