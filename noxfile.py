"""Developer sessions: nox -s tests | lint | typecheck | report."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "trends", "tests", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def report(session: nox.Session) -> None:
    """Build the example outputs from the bundled data."""
    session.install("-e", ".")
    session.run(
        "trends",
        "aggregate",
        "data/ucdp_ged_syria_2016-01_2019-11.csv.gz",
        "--actor",
        "IS",
        "--out",
        "out/is_by_governorate.csv",
        "--rejects",
        "out/rejects.csv",
    )
