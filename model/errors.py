"""User-facing errors: bad input is reported as a message and exit code 2, never a traceback."""

from __future__ import annotations

USER_ERROR_EXIT_CODE = 2


class UserError(Exception):
    """An error in something the user supplied (a file, a key, a command-line value)."""

    exit_code = USER_ERROR_EXIT_CODE


class ScenarioError(UserError):
    """One or more problems in a scenario file, each naming the file and the key path."""

    what = "scenario"  # the kind of file, named in the message's first line

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        count = len(self.problems)
        counted = "1 problem" if count == 1 else f"{count} problems"
        return f"{self.what} is invalid ({counted}):\n" + "\n".join(
            f"  - {p}" for p in self.problems
        )


class SweepError(ScenarioError):
    """Problems in a sweep file (or in the scenario it builds on), each with file and key."""

    what = "sweep"
