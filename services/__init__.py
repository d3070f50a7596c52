"""Use cases: one function per thing a user does.

Pages (`pages/`, `ui/`), the command line (`commands/`), tests and scripts call these;
they call the domain (`indicators/`), the store (`db/`) and the reports (`reports/`).
"""
