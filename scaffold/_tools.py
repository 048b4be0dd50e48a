"""The agent's own tool beside Inspect's: the visible suite, run against its build."""

from __future__ import annotations

import re

from inspect_ai.tool import Tool, ToolError, tool
from inspect_ai.util import sandbox

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.MULTILINE)
MAX_OUTPUT = 12_000  # characters: the summary and the first differences, not every one


@tool
def run_visible_tests(show: int = 5, timeout: int = 1800) -> Tool:
    """MirrorCode's evaluate-testcases: ``oracle test`` in the agent box.

    Args:
      show: How many failing cases to show with their differences.
      timeout: Seconds the whole suite may take.
    """

    async def execute(family: str | None = None) -> str:
        """Run the visible tests (/task/tests/visible.jsonl) against /work/bin/<command>.

        Build first if your program needs it (e.g. `sh build.sh` in /work): this runs the
        program as it is now. Returns how many cases passed and failed, and the differences of
        the first few failures.

        Args:
          family: Only the cases of this family (optional; families are named in the suite).

        Returns:
          Pass and fail counts, and the first differences.
        """
        command = ["oracle", "test", "--show", str(show)]
        if family:
            command += ["--family", family]
        result = await sandbox().exec(command, timeout=timeout)
        output = result.stdout + result.stderr
        found = SUMMARY.search(result.stdout)
        if found is None:
            raise ToolError(f"oracle test did not finish:\n{output[-MAX_OUTPUT:]}")
        passed, failed = int(found[1]), int(found[2])
        head = f"{passed} of {passed + failed} visible cases pass.\n"
        if len(output) > MAX_OUTPUT:
            output = output[: MAX_OUTPUT - 200] + "\n[...]\n" + found[0]
        return head + output

    return execute
