"""Scenario tests: a scenario file's `expect:` block and its pinned results, judged on
replicates (suite), written as JUnit XML (junit), and collected by pytest (pytest_plugin)."""
