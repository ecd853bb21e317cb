"""Kinds are recipes declared once: everything a kind needs is found from the registry alone."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT

from handoutpress.kinds import KIND_SPECS, KINDS, LAYOUTS
from handoutpress.models import ROLES


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_its_template_stylesheet_and_wording(kind):
    spec = KIND_SPECS[kind]
    assert (ROOT / "templates" / spec.template).is_file()
    assert (ROOT / "templates" / spec.stylesheet).is_file()
    wording = yaml.safe_load((ROOT / "templates/i18n/en.yaml").read_text(encoding="utf-8"))
    assert isinstance(wording["kinds"][kind], str)
    assert set(spec.required_roles) <= set(spec.roles) <= set(ROLES)
    assert set(spec.layouts) <= set(LAYOUTS)
    assert all(role in wording["roles"] for role in spec.roles)


def test_no_kind_is_named_in_the_package_outside_the_registry():
    """A fifth kind is one registry entry, one template, one stylesheet and its wording: no code elsewhere names one."""
    names = [kind for kind in KINDS if kind not in ROLES]  # "preparation" is also a section role
    pattern = re.compile("|".join(rf"[\"']{re.escape(name)}[\"']" for name in names))
    for source in sorted((ROOT / "handoutpress").glob("*.py")):
        if source.name == "kinds.py":
            continue
        found = pattern.findall(source.read_text(encoding="utf-8"))
        assert not found, f"{source.name} names a kind: {found}"
