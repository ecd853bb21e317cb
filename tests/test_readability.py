"""Reading levels: measured on what the patient reads, held to each kind's limit, gated by ``check --strict``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_project
from textstat.textstat import textstatistics

from handoutpress import Selection, check
from handoutpress.cli import main
from handoutpress.feedback import reading_table
from handoutpress.kinds import KIND_SPECS
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan
from handoutpress.readability import Measurer, formula_for, sentences

EASY = [
    "You can go home the same day.",
    "Rest for a day.",
    "Call us if your back hurts more.",
]
HARD = (
    "Postprocedural immobilization necessitates considerable cooperation, particularly regarding "
    "individualized rehabilitation, medication administration and comprehensive documentation."
)


def procedure_yaml(recovery: list[str], extra: str = "", procedure_id: str = "plain-test") -> str:
    items = "".join(f"          - {json.dumps(item)}\n" for item in recovery)
    return f"""id: {procedure_id}
lang: en
title: Plain test
name_in_sentence: the plain test
tagline: A fixture for reading levels.
specialty: testing
review:
  reviewed_by: Test fixture
  reviewed_on: 2026-11-01
  next_review: 2027-11-01
  status: reviewed
  source: Test text only
sections:
  - role: about
    blocks:
      - paragraph: You have a test. It is short.
  - role: risks
    blocks:
      - bullets: [A small bruise]
  - role: recovery
    title: Going home
    blocks:
      - bullets:
{items}  - role: warning_signs
    blocks:
      - paragraph: "Call (555) 010-2000 at any time."
      - practice_text: after-hours
practice_defaults:
  after-hours: {json.dumps(HARD)}
{extra}"""


@pytest.fixture
def plain_project(tmp_path) -> Path:
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    folder = project / "content/procedures/plain-test"
    folder.mkdir()
    (folder / "en.yaml").write_text(procedure_yaml(EASY))
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("offers:\n", "offers:\n  - procedure: plain-test\n", 1))
    return project


ONLY = Selection(procedures=("plain-test",))


def discharge_reading(project: Path):
    jobs = [job for job in plan(load_project(ProjectPaths.at(project)), ONLY) if job.kind == "discharge"]
    from handoutpress.readability import read_documents

    (reading,) = read_documents(jobs)
    return reading


def test_the_grade_is_of_the_procedures_own_sentences_without_phone_numbers_or_practice_wording(plain_project):
    reading = discharge_reading(plain_project)
    assert [s.text for s in reading.sentences] == [*EASY, "Call at any time."]
    stats = textstatistics()
    stats.set_lang("en_US")
    stats.set_rounding(False)
    assert reading.score == round(stats.flesch_kincaid_grade(" ".join([*EASY, "Call at any time."])), 1)
    assert reading.limit == KIND_SPECS["discharge"].reading.grade == 6
    assert reading.passes(reading.score) and not reading.failing_sections()


def test_a_list_item_without_a_full_stop_is_one_sentence():
    assert sentences("order blood tests") == ["order blood tests."]
    assert sentences("Be sure to tell your doctor:") == ["Be sure to tell your doctor."]
    assert sentences("**Stop** eating. Drink *clear* liquids! Ask us?") == ["Stop eating.", "Drink clear liquids!", "Ask us?"]


def test_a_document_above_its_limit_fails_check_strict_naming_file_section_and_sentences(plain_project):
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(procedure_yaml([*EASY, HARD]))
    lenient = check(plain_project, ONLY, typeset=False)
    assert lenient.ok
    over = [error.describe(plain_project) for error in lenient.plain.over_limit]
    assert any(e.startswith("content/procedures/plain-test/en.yaml: line ") and "section 'Going home' reads at grade" in e for e in over), over
    assert any("the discharge (en) reads at grade" in e and "above the limit of 6" in e for e in over), over
    assert all(HARD[:40] in e for e in over)

    strict = check(plain_project, ONLY, typeset=False, strict=True)
    assert not strict.ok
    errors = [error.describe(plain_project) for error in strict.errors]
    assert set(over) <= set(errors)
    line = next(e for e in errors if "section 'Going home'" in e).split(": ")[1]
    text = (plain_project / "content/procedures/plain-test/en.yaml").read_text().splitlines()
    assert text[int(line.split()[1]) - 1].strip() == "- role: recovery"


def test_the_cli_prints_the_table_and_strict_exits_1(plain_project, tmp_path):
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(procedure_yaml([*EASY, HARD]))
    arguments = ["check", "--root", str(plain_project), "--no-typeset", "-p", "plain-test", "--report", str(tmp_path / "r.json")]
    lenient = CliRunner().invoke(main, arguments)
    assert lenient.exit_code == 0, lenient.output
    assert "plain-test           discharge    en     grade" in lenient.output
    assert "section 'Going home' grade" in lenient.output
    assert "WARNING content/procedures/plain-test/en.yaml: line" in lenient.output
    report = json.loads((tmp_path / "r.json").read_text())
    discharge = next(r for r in report["readability"] if r["kind"] == "discharge")
    assert discharge["formula"] == "Flesch-Kincaid grade" and discharge["limit"] == 6 and discharge["passes"] is False
    assert [s["title"] for s in discharge["sections"] if not s["passes"]] == ["Going home"]

    strict = CliRunner().invoke(main, [*arguments, "--strict"])
    assert strict.exit_code == 1
    assert "ERROR  content/procedures/plain-test/en.yaml: line" in strict.output


def test_a_procedure_may_relax_its_limit_and_a_practice_tighten_it(plain_project):
    file = plain_project / "content/procedures/plain-test/en.yaml"
    file.write_text(procedure_yaml([*EASY, HARD], extra="reading_limits:\n  discharge: {grade: 18}\n  brochure: {grade: 18}\n"))
    assert check(plain_project, ONLY, typeset=False, strict=True).ok

    practice = plain_project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text() + "reading_limits:\n  discharge: {grade: 10}\n")
    errors = [e.describe(plain_project) for e in check(plain_project, ONLY, typeset=False, strict=True).errors]
    assert errors and all("riverbend-spine's limit of 10 (reading_limits in riverbend-spine.yaml)" in e for e in errors), errors
    assert all("in the discharge (en)" in e or "the discharge (en) reads" in e for e in errors), errors


def test_the_procedures_name_and_defined_terms_count_as_one_syllable(plain_project):
    file = plain_project / "content/procedures/plain-test/en.yaml"
    file.write_text(procedure_yaml(["Vertebroplasty helps. Vertebroplasty is quick."]).replace("Plain test", "Vertebroplasty"))
    named = discharge_reading(plain_project).score
    file.write_text(procedure_yaml(["Vertebroplasty helps. Vertebroplasty is quick."]))
    unnamed = discharge_reading(plain_project).score
    assert named < unnamed


def test_spanish_has_an_ease_score_and_other_languages_say_there_is_no_formula():
    spanish = formula_for("es")
    assert spanish.scale == "ease" and spanish.name == "Fernández-Huerta ease"
    assert KIND_SPECS["discharge"].reading.ease == 80 and KIND_SPECS["consent"].reading.ease == 70
    measured = spanish.score(Measurer().stats(spanish), "Usted puede ir a casa hoy. Descanse un día.")
    assert 80 < measured <= 120
    assert formula_for("en-GB").name == "Flesch-Kincaid grade"
    assert formula_for("vi") is None and formula_for("zh-Hans") is None


def test_the_table_says_when_a_language_has_no_formula(plain_project):
    reading = discharge_reading(plain_project)
    from dataclasses import replace

    unmeasured = replace(reading, lang="vi", formula=None, score=None, limit=None, figures={})
    (line,) = [line for line in reading_table([unmeasured]) if line.startswith("plain-test")]
    assert "no validated formula for 'vi'" in line
