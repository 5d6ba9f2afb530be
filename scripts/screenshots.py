"""Regenerate docs/screenshots/: the main pages at 375 px and 1280 px wide (`make screenshots`).

Serves the portal with `manage.py runserver` on a throwaway SQLite database loaded with
the demo data, then walks through one request in Debian's Chromium: the customer asks
for a code, the agent issues it, the customer shows it and tries it in the phone
simulator, the manager opens the reports. Each page is saved as
``<page>-375.png`` and ``<page>-1280.png`` (the visible part of the page, not the whole
length, to keep the files small). Codes on screen are masked.

Nothing here touches the development database: the secrets and the database are made
for this run and deleted afterwards.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-background-networking",
    "--disable-gpu",
]
WIDTHS = [(375, 812), (1280, 800)]

# (file name, caption): the pages saved, in the README's order.
PAGES = [
    ("home", "Home: the guided start"),
    ("help-entry", "A help article"),
    ("devices", "My phones"),
    ("request", "A request, as the customer follows it"),
    ("device", "A phone with its new code ready"),
    ("reveal", "“Show my code”, after the password (code masked here)"),
    ("simulator", "The phone simulator: activated"),
    ("admin-queue", "Agent: the queue"),
    ("admin-request", "Agent: a request, its checklist and “Issue new code”"),
    ("reports", "Manager: the reports"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(workdir: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    from activation.keyring import generate_key_entry

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "EMAIL_HOST", "DATABASE_URL"}
    }
    env.update(
        DJANGO_DEBUG="1",  # load_demo runs only with DEBUG on; runserver serves the CSS
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'screenshots.sqlite3'}",
        DJANGO_SECRET_KEY=os.urandom(48).hex(),
        ACTIVATION_KEYS=generate_key_entry("shots1"),
        TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env, *args, **kwargs):
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)  # noqa: S603 (fixed)


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):  # noqa: S310 (http://127.0.0.1)
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"runserver did not answer at {url} within {seconds} s")


class Camera:
    def __init__(self, out: Path):
        self.out = out

    def shoot(self, page, name, mask=(), show=None):
        """Save the page at each width: its top, or with ``show`` (a selector) in view."""
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            if show:
                page.locator(show).evaluate("element => element.scrollIntoView()")
            else:
                page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(
                path=self.out / f"{name}-{width}.png",
                mask=[page.locator(selector) for selector in mask],
                mask_color="#c8ced6",
                animations="disabled",
                caret="hide",
            )
        page.set_viewport_size({"width": 1280, "height": 800})


def sign_in(page, email, password, totp_secret=None):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret:
        if time.time() % 30 > 27:  # too close to the next code: wait for it
            time.sleep(30 - time.time() % 30)
        page.get_by_role("textbox").fill(
            format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30))
        )
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def walk(browser, base_url, camera):
    from activation.demo import DEMO_TOTP_SECRET, DEMO_USERS

    passwords = {email: password for email, password, *_ in DEMO_USERS}
    customer_email, agent_email, manager_email = (
        "customer@example.com",
        "agent@example.com",
        "manager@example.com",
    )

    def context():
        made = browser.new_context(base_url=base_url, locale="en-GB", color_scheme="light")
        made.set_default_timeout(15_000)
        return made.new_page()

    visitor = context()
    visitor.goto("/")
    camera.shoot(visitor, "home")
    visitor.goto("/help/activation-failed/")
    camera.shoot(visitor, "help-entry")

    customer = context()
    sign_in(customer, customer_email, passwords[customer_email])
    customer.goto("/devices/")
    camera.shoot(customer, "devices")
    customer.get_by_role("main").get_by_role("link").filter(has_text="Lumia").first.click()
    device_url = customer.url
    imei = customer.locator(".facts dd").first.inner_text().strip()
    customer.get_by_role("link", name="Request a new code").click()
    customer.get_by_label("What happened on the phone?").fill(
        "After a factory reset the phone shows ACTIVATE WINDOWS PHONE and my code is refused."
    )
    customer.get_by_role("button", name="Send request").click()
    reference = customer.locator("h1 .ref").inner_text()
    request_url = customer.url

    agent = context()
    sign_in(agent, agent_email, passwords[agent_email], DEMO_TOTP_SECRET)
    agent.goto("/admin/activation/ticket/")
    camera.shoot(agent, "admin-queue")
    agent.get_by_role("link", name=reference).click()
    agent.get_by_label("IMEI confirmed").check()
    agent.get_by_label("Account e-mail confirmed").check()
    camera.shoot(agent, "admin-request", show="#verify")
    agent.get_by_role("button", name="Issue new code").click()
    agent.get_by_role("link", name="Done: back to the page").click()
    agent.get_by_label("Message").fill(
        "Your new code is ready: choose “Show my code” on your phone's page."
    )
    agent.get_by_role("button", name="Send", exact=True).click()

    customer.goto(request_url)
    camera.shoot(customer, "request")
    customer.goto(device_url)
    camera.shoot(customer, "device")
    customer.get_by_role("button", name="Show my code").click()
    customer.get_by_label("Password").fill(passwords[customer_email])
    customer.get_by_role("button", name="Confirm").click()
    code = customer.locator("#the-code").inner_text().strip()
    camera.shoot(customer, "reveal", mask=["#the-code"])

    # The simulator is open to anyone with DEBUG on, as here.
    visitor.goto(f"/simulator/?imei={imei}&screen=activate")
    visitor.get_by_label("Activation code").fill(code)
    visitor.get_by_role("button", name="Activate").click()
    visitor.get_by_role("heading", name="You're all set").wait_for()
    camera.shoot(visitor, "simulator")

    manager = context()
    sign_in(manager, manager_email, passwords[manager_email], DEMO_TOTP_SECRET)
    manager.goto("/reports/")
    camera.shoot(manager, "reports")


def main():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"No Chromium at {CHROMIUM}: apt-get install -y chromium")
    workdir = Path(tempfile.mkdtemp(prefix="portal-screenshots-"))
    env = environment(workdir)
    server = None
    try:
        manage(env, "migrate", "--no-input", stdout=subprocess.DEVNULL)
        manage(env, "load_demo", stdout=subprocess.DEVNULL)
        port = free_port()
        with (workdir / "runserver.log").open("w") as log:
            server = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url, server)
        # The demo sign-ins and allauth's TOTP helpers come from the app itself.
        os.environ.update(env)
        import django

        django.setup()

        staging = workdir / "shots"
        staging.mkdir()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                walk(browser, base_url, Camera(staging))
            except Exception:
                print((workdir / "runserver.log").read_text()[-4000:], file=sys.stderr)
                raise
            finally:
                browser.close()
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("*.png"):
            old.unlink()
        for shot in sorted(staging.glob("*.png")):
            shutil.copy(shot, OUT / shot.name)
        total = sum(path.stat().st_size for path in OUT.glob("*.png"))
        print(f"{len(list(OUT.glob('*.png')))} screenshots in {OUT} ({total / 1e6:.1f} MB)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
