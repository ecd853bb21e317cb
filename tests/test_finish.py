"""Promises the finished PDF must keep beyond tags and metadata: a kind's page limit."""

from __future__ import annotations

from handoutpress import Selection, build
from handoutpress.kinds import KIND_SPECS
from handoutpress.options import BuildOptions


def test_a_consent_summary_longer_than_two_pages_is_refused_naming_the_content(project):
    assert KIND_SPECS["consent"].max_pages == 2
    content = project / "content/procedures/kyphoplasty/en.yaml"
    steps = "".join(f"          - Extra step number {n}, written out at length so that the summary grows long.\n" for n in range(60))
    content.write_text(content.read_text().replace("      - steps:\n", "      - steps:\n" + steps, 1))
    one = Selection(practices=("riverbend-spine",), kinds=("consent",))
    report = build(project, one, project / "out")
    (failure,) = report.failures
    assert failure.file == content
    assert "the consent for riverbend-spine is 3 pages; it may have at most 2" in failure.message or "pages; it may have at most 2" in failure.message
    assert not (project / "out/riverbend-spine/en/kyphoplasty-consent.pdf").exists()
    large = build(project, one, project / "large", options=BuildOptions(large_print=True))
    assert large.ok, "large print may take the pages it needs"
