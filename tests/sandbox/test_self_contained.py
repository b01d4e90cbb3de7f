"""The emulator is self-contained: its templates and stylesheet live inside apps/sandbox, nowhere else."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template

import apps.sandbox
from apps.sandbox.admin_views import OrgKnobsForm
from apps.sandbox.seed import seed_sandbox
from tests.sandbox.conftest import ACME_ID, GLOBEX_ID

SANDBOX_DIR = Path(apps.sandbox.__file__).resolve().parent


@pytest.mark.parametrize("name", ["sandbox/admin.html", "sandbox/consent.html", "sandbox/consent_error.html"])
def test_sandbox_templates_resolve_from_inside_the_app(name):
    origin = Path(get_template(name).origin.name).resolve()

    assert origin.is_relative_to(SANDBOX_DIR / "templates")


def test_sandbox_stylesheet_is_found_inside_the_app_only():
    found = [Path(path).resolve() for path in finders.find("sandbox/sandbox.css", find_all=True)]

    assert found == [SANDBOX_DIR / "static" / "sandbox" / "sandbox.css"]


def test_no_project_level_copy_of_the_sandbox_templates_or_static_files():
    base = Path(settings.BASE_DIR)

    assert not (base / "templates" / "sandbox").exists()
    assert not (base / "static" / "sandbox").exists()


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_admin_page_links_the_stylesheet_and_renders_the_knobs_as_field_groups(client, admin_user):
    seed_sandbox(tickets=5, seed=1)
    client.force_login(admin_user)

    page = client.get("/sandbox/admin/").content.decode()

    assert "sandbox/sandbox.css" in page
    orgs_section = page.split('id="sbx-log"')[0]
    assert orgs_section.count('<div class="form-field') == 2 * len(OrgKnobsForm.Meta.fields)  # two orgs
    for org_id in (ACME_ID, GLOBEX_ID):
        assert f'<label for="id_org{org_id}-edition"' in page and f'id="id_org{org_id}-edition"' in page


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_a_rejected_knob_is_marked_on_its_own_field_group(client, admin_user):
    seed_sandbox(tickets=5, seed=1)
    client.force_login(admin_user)
    prefix = f"org{ACME_ID}"

    response = client.post(
        "/sandbox/admin/",
        {
            "org": str(ACME_ID),
            f"{prefix}-edition": "enterprise",
            f"{prefix}-max_concurrent": "10",
            f"{prefix}-burst_429_remaining": "0",
            f"{prefix}-error_rate": "3",
        },
    )

    page = response.content.decode()
    assert page.count("has-error") == 1
    group = page[page.index("has-error") : page.index("</div>", page.index(f'id="id_{prefix}-error_rate"'))]
    assert f'<label for="id_{prefix}-error_rate"' in group and "between 0 and 1" in group
    assert 'aria-invalid="true"' in group
