"""A person's first minutes: log in, see their own home page, switch language, browse the tree."""

from urllib.parse import urlparse

import pytest

from tests import factories as f

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(world):
    return {
        "school": f.user_with_role(
            "safety_officer", world.school_a1, username="anquan", first_name="建鹏", last_name="陈"
        ),
        "county": f.user_with_role(
            "bureau_staff", world.county_a, username="jiaoyuju", first_name="美玲", last_name="杨"
        ),
    }


def assert_only_local(session):
    local = urlparse(session.base_url).netloc
    assert session.hosts <= {local}, f"requests left the server: {session.hosts - {local}}"


@pytest.mark.django_db(transaction=True)
def test_school_user_on_a_phone_sees_their_school_in_chinese(open_session, people, world):
    s = open_session(PHONE)
    s.login("anquan", f.PASSWORD)
    body = s.page.inner_text("body")
    assert "我的工作" in body
    assert "冯记沟中心小学" in body
    assert "豫海中学" not in body and "同心县" not in body
    assert s.page.evaluate("document.documentElement.lang") == "zh-CN"
    assert s.page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"')")
    s.shot("home-school-phone-zh")
    assert_only_local(s)


@pytest.mark.django_db(transaction=True)
def test_county_user_browses_the_tree_down_to_a_school(open_session, people, world):
    s = open_session()
    s.login("jiaoyuju", f.PASSWORD)
    assert "盐池县" in s.page.inner_text("main")
    s.shot("home-county-desktop-zh")
    s.go("/orgs/")
    s.page.get_by_role("link", name="冯记沟乡").first.click()
    s.page.wait_for_load_state("networkidle")
    s.page.get_by_role("link", name="冯记沟中心小学").first.click()
    s.page.wait_for_load_state("networkidle")
    main = s.page.inner_text("main")
    assert "冯记沟中心小学" in main and "小学" in main
    s.shot("school-page-desktop-zh")
    s.go("/orgs/")
    assert "同心县" not in s.page.inner_text("main")
    assert_only_local(s)


@pytest.mark.django_db(transaction=True)
def test_switching_to_english_and_back(open_session, people):
    s = open_session()
    s.login("jiaoyuju", f.PASSWORD)
    with s.page.expect_navigation():
        s.page.select_option("[data-testid=language]", "en")
    assert "My work" in s.page.inner_text("body")
    s.shot("home-county-desktop-en")
    s.go("/")
    assert "My work" in s.page.inner_text("body"), "the choice is kept"
    with s.page.expect_navigation():
        s.page.select_option("[data-testid=language]", "zh-hans")
    assert "我的工作" in s.page.inner_text("body")
