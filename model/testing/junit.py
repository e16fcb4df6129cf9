"""Scenario test results as JUnit XML, the format every CI server reads.

One <testsuite> per scenario file, one <testcase> per expectation (and one for the pin):
a failed expectation or moved pin carries a <failure>, an undecided expectation a
<skipped> (it neither held nor failed: more replicates decide it), as pytest writes them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from pathlib import Path

from model.testing.suite import ScenarioResult, pin_line, pin_outcome, verdict_line


def junit_xml(results: Sequence[ScenarioResult], seconds: float) -> bytes:
    """The results as a JUnit XML document (UTF-8 bytes with declaration)."""
    root = ElementTree.Element("testsuites", name="scenario tests", time=f"{seconds:.3f}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for result in results:
        name = str(result.plan.file)
        suite = ElementTree.SubElement(root, "testsuite", name=name)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        cases = [(v.expectation.label, v.outcome, verdict_line(v)) for v in result.verdicts]
        if result.pin_check is not None:
            cases.append(("pinned figures", pin_outcome(result), pin_line(result)))
        for label, outcome, line in cases:
            case = ElementTree.SubElement(
                suite, "testcase", classname=result.plan.file.stem, name=label, time="0"
            )
            counts["tests"] += 1
            if outcome == "fails":
                counts["failures"] += 1
                failure = ElementTree.SubElement(case, "failure", message=line, type="failed")
                failure.text = line
            elif outcome == "undecided":
                counts["skipped"] += 1
                ElementTree.SubElement(case, "skipped", message=line)
            else:
                ElementTree.SubElement(case, "system-out").text = line
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, results: Sequence[ScenarioResult], seconds: float) -> None:
    """Write the JUnit file atomically (a CI never reads half a report)."""
    from model.report.files import atomic_write_bytes

    atomic_write_bytes(path, junit_xml(results, seconds))
