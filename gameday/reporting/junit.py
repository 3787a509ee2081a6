"""junit.xml: one test suite per run, one test case per score, plus one for the run's own verdict.

CI systems only know passed, failed, errored and skipped, and most of them show *skipped* as
neutral and keep the build green. INCONCLUSIVE, INVALID and ABORTED must never look green, so they
are written as ``<error>``: "the test could not reach a verdict", which Jenkins, GitLab and GitHub
annotators all count against the build. FAIL is a ``<failure>``: the system under test missed
its threshold.

The extra ``run`` test case carries the overall verdict, because a run can be INVALID (a fault did
not land) while every score on its own passed.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

from gameday.evidence.bundle import RunEvidence
from gameday.evidence.records import Score, Verdict
from gameday.scenario import Scenario
from gameday.scoring import ScoreCard


def write_junit(path: Path, scenario: Scenario, evidence: RunEvidence, card: ScoreCard) -> None:
    classname = f"gameday.{scenario.name}"
    suite = ET.Element(
        "testsuite",
        name=scenario.name,
        tests=str(len(card.scores) + 1),
        timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(evidence.started_at)),
        time=f"{evidence.ended_at - evidence.started_at:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", evidence.run_id),
        ("target", evidence.target_name),
        ("verdict", card.verdict.value),
        ("reason", card.reason),
        ("resilience", "none" if card.resilience.value is None else f"{card.resilience.value:g}"),
        ("resilience_why", card.resilience.why),
        ("resilience_weights", card.resilience.weights_text()),
    ):
        ET.SubElement(properties, "property", name=name, value=value)

    for score in card.scores:
        case = ET.SubElement(suite, "testcase", classname=classname, name=f"{score.name}[{score.subject}]")
        _score_properties(case, score)
        _outcome(case, score.verdict, score.why)
    run_case = ET.SubElement(suite, "testcase", classname=classname, name="run")
    _outcome(run_case, card.verdict, card.reason)

    suite.set("failures", str(len(list(suite.iter("failure")))))
    suite.set("errors", str(len(list(suite.iter("error")))))
    suite.set("skipped", "0")
    ET.indent(suite)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def _score_properties(case: ET.Element, score: Score) -> None:
    properties = ET.SubElement(case, "properties")
    for name, value in (
        ("value", "none" if score.value is None else f"{score.value:g}"),
        ("threshold", "none" if score.threshold is None else f"{score.threshold:g}"),
        ("comparator", score.comparator),
        ("unit", score.unit),
        ("verdict", score.verdict.value),
        ("window_start", f"{score.window_start:.3f}"),
        ("window_end", f"{score.window_end:.3f}"),
        ("why", score.why),
    ):
        ET.SubElement(properties, "property", name=name, value=value)


def _outcome(case: ET.Element, verdict: Verdict, why: str) -> None:
    if verdict is Verdict.PASS:
        return
    tag = "failure" if verdict is Verdict.FAIL else "error"
    element = ET.SubElement(case, tag, message=why, type=verdict.value)
    element.text = f"{verdict.value}: {why}"
