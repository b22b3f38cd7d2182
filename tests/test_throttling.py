"""Sign-in throttling: counted atomically, a progressive delay per account and per address, never a hard lock."""
import datetime as dt
import threading

import pytest

from backoffice import auth, create_app
from backoffice.store import app as store_app
from conftest import PASSWORD, TEST_SECRET_KEY, csrf_token

WRONG = "The e-mail address or the password is wrong."
STAFF = "staff@perspective.example"


class Browser:
    """A test client from one address (REMOTE_ADDR), optionally behind a proxy that says X-Forwarded-For."""

    def __init__(self, app, address, forwarded_for=None):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        self.token = csrf_token(self.client.get("/login?lang=en", headers=self.headers).get_data(as_text=True))

    def sign_in(self, email, password):
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": self.token}, headers=self.headers)


@pytest.fixture
def clock(monkeypatch):
    """The sign-in's clock, moved forward by hand: `clock.advance(seconds=5)`."""

    class Clock:
        moment = auth.now()

        def advance(self, **delta):
            self.moment += dt.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(auth, "now", lambda: clock.moment)
    return clock


def checked_failures(store):
    """Wrong passwords that were actually checked (a throttled attempt is recorded with its reason)."""
    return len([entry for entry in store.find("audit", {"action": "sign_in_failed"}) if "details" not in entry])


def test_thirty_simultaneous_wrong_passwords_are_not_all_checked(app, store, make_user, clock):
    make_user("staff")
    browsers = [Browser(app, f"198.51.100.{n}") for n in range(30)]
    start = threading.Barrier(30)
    statuses = []

    def attempt(browser):
        start.wait()
        statuses.append(browser.sign_in(STAFF, "not the password").status_code)

    threads = [threading.Thread(target=attempt, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 30
    # Three free failures and the one that starts the wait: the other 26 were not checked.
    assert checked_failures(store) == 4
    assert statuses.count(429) == 26


def test_the_real_user_gets_in_from_a_new_address_after_a_short_wait(app, make_user, clock):
    make_user("staff")
    for n in range(5):
        Browser(app, f"203.0.113.{n}").sign_in(STAFF, "a wrong guess")
    real = Browser(app, "192.0.2.50")

    refused = real.sign_in(STAFF, PASSWORD)

    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 4
    assert f"Please wait {wait} seconds and try again." in refused.get_data(as_text=True) or wait == 1
    clock.advance(seconds=wait)
    assert real.sign_in(STAFF, PASSWORD).status_code == 302


def test_failures_from_a_shared_address_do_not_lock_out_the_others_behind_it(app, make_user, clock):
    make_user("staff")
    make_user("manager")
    office = Browser(app, "192.0.2.1")
    for n in range(12):
        office.sign_in(f"guess{n}@perspective.example", "a wrong guess")
    colleague = Browser(app, "192.0.2.1")

    first = colleague.sign_in("manager@perspective.example", PASSWORD)
    if first.status_code == 429:
        assert int(first.headers["Retry-After"]) <= 4
        clock.advance(seconds=int(first.headers["Retry-After"]))
        first = colleague.sign_in("manager@perspective.example", PASSWORD)

    assert first.status_code == 302


def test_the_wait_grows_with_each_failure_and_has_a_ceiling(app, make_user, clock):
    make_user("staff")
    waits = []
    for n in range(20):
        response = Browser(app, f"203.0.113.{n}").sign_in(STAFF, "a wrong guess")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.advance(seconds=waits[-1])
            Browser(app, f"203.0.113.{n}").sign_in(STAFF, "a wrong guess")

    assert waits == sorted(waits) and waits[0] <= 2 and len(set(waits)) > 3
    assert max(waits) <= 15 * 60


@pytest.fixture
def proxied_app(engine, tmp_path):
    """The app behind one trusted reverse proxy (TRUSTED_PROXIES=1)."""
    app = create_app({
        "TESTING": True, "STORE_ENGINE": engine, "BACKOFFICE_DATA_DIR": str(tmp_path / "proxied"),
        "SECRET_KEY": TEST_SECRET_KEY, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "TRUSTED_PROXIES": 1,
    })
    yield app
    store_app.close(app)


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(app, make_user, clock):
    """A forger who invents a new address for every try is still counted by the one it comes from."""
    make_user("staff")
    statuses = [Browser(app, "192.0.2.9", forwarded_for=f"10.0.0.{n}").sign_in(f"guess{n}@x.example", "wrong").status_code
                for n in range(12)]

    assert 429 in statuses


def test_x_forwarded_for_names_the_address_behind_a_trusted_proxy(proxied_app, clock):
    # Every attempt comes through the proxy (one REMOTE_ADDR); the proxy names twelve different people.
    statuses = [Browser(proxied_app, "127.0.0.1", forwarded_for=f"10.0.0.{n}").sign_in(f"guess{n}@x.example", "wrong").status_code
                for n in range(12)]

    assert statuses == [200] * 12
