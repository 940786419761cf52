"""`python -m bench [SUITE ...] [--quick]`: run benchmark suites, print the table, write
var/bench/results.json, the raw samples (samples.json) and PNG plots beside it."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from bench.figures import SAMPLES, Figure, table, write_json, write_samples

# name -> module with `run(quick: bool) -> list[Figure]`; one line per suite.
SUITES: dict[str, str] = {
    "e2e": "bench.suite_e2e",
    "chaos": "bench.suite_chaos",
    "devices": "bench.suite_devices",
    "fleet": "bench.suite_fleet",
    "ingest": "bench.suite_ingest",
}


@click.command()
@click.argument("names", nargs=-1)
@click.option("--quick", is_flag=True, help="Smaller runs (for CI smoke checks).")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("var/bench/results.json"), show_default=True
)
def main(names: tuple[str, ...], quick: bool, out: Path) -> None:
    """Run the named suites (all when none is named)."""
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise click.BadParameter(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(SUITES)}")
    figures: list[Figure] = []
    for name in names or tuple(SUITES):
        click.echo(f"running {name} ...", err=True)
        module = importlib.import_module(SUITES[name])
        figures.extend(module.run(quick))
    click.echo(table(figures))
    write_json(figures, out)
    write_samples(SAMPLES, out.with_name("samples.json"))
    click.echo(f"\nwritten to {out}", err=True)
    from bench import plots  # matplotlib only once there is something to plot

    for path in plots.write_all(figures, SAMPLES, out.parent):
        click.echo(f"plot: {path}", err=True)


if __name__ == "__main__":
    main()
