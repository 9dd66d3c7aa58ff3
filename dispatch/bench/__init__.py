"""`dispatch bench …`: commands that measure and print figures (never timed assertions in tests).

Each benchmark is a module here adding a subcommand to ``bench``.
"""

import click


@click.group("bench")
def bench() -> None:
    """Measure throughput and latency; prints the machine's cores and the processes it ran."""
