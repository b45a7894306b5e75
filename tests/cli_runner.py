"""Run many ``trends`` command lines as separate processes, paying the import once.

Usage: ``python tests/cli_runner.py < cases.json > results.json``, where each
case is ``{"argv": [...], "cwd": "..."}``. The runner imports the package,
then forks one child per case; the child runs the command line exactly as
the ``trends`` entry point does (``sys.exit(main())``), so an exception that
escapes prints its traceback on the child's stderr just as the interpreter
would. The parent records each child's exit status, stdout and stderr.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback


def run_case(argv: list[str], cwd: str) -> dict[str, object]:
    """Fork, run one command line in the child, and collect what it printed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: behave as `trends ARGV` run from `cwd`
            status = 1
            try:
                os.chdir(cwd)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.argv = ["trends", *argv]
                from trends.cli import main

                status = main(argv)
            except SystemExit as stop:
                status = stop.code if isinstance(stop.code, int) else 1
            except BaseException:
                traceback.print_exc()
                status = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, code = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        return {
            "argv": argv,
            "status": os.waitstatus_to_exitcode(code),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def main() -> None:
    from trends.cli import build_parser

    build_parser()  # import every subcommand once, before forking

    cases = json.load(sys.stdin)
    results = [run_case(case["argv"], case.get("cwd", os.getcwd())) for case in cases]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
