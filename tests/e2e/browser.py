"""What the browser journeys share: numbered full-page screenshots and signing in through the form."""
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect


class Shots:
    """`shot("name")` saves test-artifacts/.../NN-name.png, numbered in the order taken."""

    def __init__(self, page, folder):
        self.page, self.folder, self.n = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name):
        self.n += 1
        path = str(self.folder / f"{self.n:02d}-{name}.png")
        try:
            self.page.screenshot(path=path, full_page=True)
        except PlaywrightTimeout:  # a loaded machine once stalled Chromium's capture for 30 s: try once more
            self.page.screenshot(path=path, full_page=True)


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw-for-tests")  # the factories' password
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
