"""An agent's list when a search or filter matches more rows than the desk counts."""

import pytest
from playwright.sync_api import expect

from activation.admin.common import LargeTableAdmin, LargeTablePaginator
from activation.demo import enrol_demo_mfa
from tests.conftest import make_user

from .helpers import assert_accessible
from .test_manager_journey import sign_in_with_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_broad_search_says_how_far_it_counted_and_stays_accessible(
    page,
    agent,
    make_device,
    make_ticket,
    django_user_model,
    monkeypatch,
    totp_clock_margin,
    tmp_path,
):
    monkeypatch.setattr(LargeTablePaginator, "CAP", 2)
    monkeypatch.setattr(LargeTableAdmin, "PARTIAL_MATCHES", 2)
    for n in range(4):
        owner = make_user(django_user_model, f"sharedname{n}@example.com")
        make_ticket(make_device(owner=owner), reason="Asks for a code.")
    enrol_demo_mfa(agent)
    sign_in_with_second_factor(page, agent)

    page.goto("/admin/activation/ticket/?status=all")
    page.locator("#searchbar").fill("sharedname")
    page.locator("#changelist-search").get_by_role("button", name="Search").click()

    expect(page.get_by_text("More than 2 rows contain this text")).to_be_visible()
    expect(page.locator("#changelist-search")).to_contain_text("2 results")  # those listed
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.screenshot(path=tmp_path / "capped-search.png", full_page=True)
    assert_accessible(page)
