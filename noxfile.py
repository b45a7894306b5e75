"""Developer sessions: nox -s tests | all | lint | typecheck | report.

``tests`` runs the fast suite (what ``pytest`` runs); ``all`` runs every test,
the slow and browser ones included, with hypothesis derandomised, as CI does.
"""

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(name="all")
def all_tests(session: nox.Session) -> None:
    session.install("-e", ".[test,dask]")  # the Dask tests start a real local cluster
    session.run(
        "python", "-m", "pytest", "-m", "", *session.posargs, env={"HYPOTHESIS_PROFILE": "ci"}
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff, and the import-linter contract of .importlinter (the layers of the package)."""
    session.install("ruff", "import-linter>=2.1")
    session.run("ruff", "check", "trends", "tests", "benchmarks", "noxfile.py")
    session.run("lint-imports", "--no-cache")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def report(session: nox.Session) -> None:
    """Build the example report from the bundled data into out/report."""
    session.install("-e", ".")
    for definition in ("reports/syria-is-monthly.toml", "reports/syria-country-monthly.toml"):
        session.run("trends", "report", definition, "--out", "out/report")
