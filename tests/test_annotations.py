"""``validate --format github``: one GitHub Actions ``::error`` command per problem, escaped as the runner
expects."""

from __future__ import annotations

import copy
import json

from spacecraft_data.cli import main
from spacecraft_data.validation.annotations import annotation, github_annotations
from spacecraft_data.validation.report import Problem, Report


def test_a_problem_becomes_an_error_command_with_file_line_and_where_in_the_record():
    problem = Problem("fetched/page.json", 185, "$.time_in_space", "not a valid duration", line=2)
    assert annotation(problem) == (
        "::error file=fetched/page.json,line=2,title=spacecraft-data validate::"
        "record 185: $.time_in_space: not a valid duration"
    )


def test_a_problem_of_a_whole_file_has_no_line_and_no_record():
    problem = Problem("snap/manifest.json", None, "", "sha256 differs")
    assert (
        annotation(problem)
        == "::error file=snap/manifest.json,title=spacecraft-data validate::sha256 differs"
    )


def test_newlines_percent_colons_and_commas_cannot_end_the_command_or_forge_another():
    problem = Problem("a,b:c%.json", "#0", "$.x", "bad\n::error file=x::forged 100%", line=1)
    line = annotation(problem)
    assert "\n" not in line
    assert line.startswith("::error file=a%2Cb%3Ac%25.json,line=1,")
    assert line.endswith("::record #0: $.x: bad%0A::error file=x::forged 100%25")


def test_the_report_ends_with_its_summary_and_a_valid_report_is_the_summary_alone():
    report = Report([Problem("f.json", 1, "$", "m", line=3)], records_checked=2, inputs=["f.json"])
    assert (
        github_annotations(report).splitlines()[-1]
        == "2 record(s) in 1 input(s) checked: INVALID: 1 problem(s)"
    )
    assert (
        github_annotations(Report(records_checked=2, inputs=["f.json"]))
        == "2 record(s) in 1 input(s) checked: valid"
    )


def test_the_cli_prints_annotations_and_exits_1_on_invalid_data(bundled, tmp_path, capsys):
    records = copy.deepcopy(bundled.records[:2])
    records[1]["time_in_space"] = "54 days"  # edited: not an ISO 8601 duration
    path = tmp_path / "records.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert main(["validate", "--format", "github", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        f"::error file={path},line=2,title=spacecraft-data validate::record {records[1]['id']}: "
        "$.time_in_space: '54 days' is not a valid duration"
    )
    assert len(lines) == 2 and "INVALID: 1 problem(s)" in lines[1]
    path.write_text(json.dumps(bundled.records[0]) + "\n", encoding="utf-8")
    assert main(["validate", "--format", "github", str(path)]) == 0
