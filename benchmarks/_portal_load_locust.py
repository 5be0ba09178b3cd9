"""The locustfile of ``portal_load_bench.py``: cardholders signing in and using the portal.

Run by the benchmark (``locust -f benchmarks/_portal_load_locust.py --headless ...``) with these
environment variables:

- ``PORTAL_BENCH_SAMPLE``: the JSON file of sampled cardholders (account number, its last 4 digits, the
  national ID's last 6 characters); each user takes the next one, so no two users share a cardholder.
- ``PORTAL_BENCH_DATABASE``: the database URL, to read the one-time code from the outbox message's
  body by its key, as a test harness would (the real code goes by SMS).
- ``PORTAL_BENCH_LATENCIES``: where to write every request's (name, milliseconds, ok) when locust quits,
  for exact percentiles (locust's own figures are rounded to 10 ms above 100 ms).
- ``PORTAL_BENCH_THINK``: ``low,high`` seconds of think time between pages (default ``1,3``).
- ``PORTAL_BENCH_FORWARDED``: ``1``: each user sends its own address in ``X-Forwarded-For`` (10.x.y.z), as a
  reverse proxy in front of the portal would (the server trusts 127.0.0.1 as that proxy); else every
  request comes from 127.0.0.1.

Each user signs in (the login form, POST /my/login with the last 4 digits and the ID's last 6, the code
form, POST /my/code with the code), then loops: what I owe (/my), the account page, the offers page, the
pay page and POST pay (an order for the page's first choice; 303 to the gateway's checkout, not
followed), thinking between pages. Every request's latency is recorded, failed ones too.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _portal_load_data import Cardholder, read_code

from arrears.db import make_engine

_LOW, _HIGH = (float(part) for part in os.environ.get("PORTAL_BENCH_THINK", "1,3").split(","))
_SAMPLE_FILE = os.environ.get("PORTAL_BENCH_SAMPLE")
_SAMPLE = [Cardholder(*row) for row in json.loads(Path(_SAMPLE_FILE).read_text())] if _SAMPLE_FILE else []
_NEXT = itertools.count()
_ENGINE = make_engine(os.environ["PORTAL_BENCH_DATABASE"]) if "PORTAL_BENCH_DATABASE" in os.environ else None
_FORWARDED = os.environ.get("PORTAL_BENCH_FORWARDED") == "1"
_LATENCIES: list[tuple[str, float, bool]] = []

CSRF = re.compile(r"""<input\b[^>]*name=["']csrf_token["'][^>]*value=["']([^"']*)["']""", re.IGNORECASE)
CHOICE = re.compile(r"""<input\b[^>]*name=["']choice["'][^>]*value=["']([^"']*)["'][^>]*\bchecked""", re.I)
INSTALMENT = re.compile(r"""<input\b[^>]*name=["']instalment["'][^>]*value=["']([^"']*)["']""", re.I)


def csrf_of(page: str) -> str | None:
    found = CSRF.search(page)
    return html.unescape(found.group(1)) if found else None


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    _LATENCIES.append((name, float(response_time), exception is None))


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    target = os.environ.get("PORTAL_BENCH_LATENCIES")
    if target:
        Path(target).write_text(json.dumps(_LATENCIES))


class PortalCardholder(FastHttpUser):
    wait_time = between(_LOW, _HIGH)

    def on_start(self) -> None:
        number = next(_NEXT)
        self.person = _SAMPLE[number % len(_SAMPLE)]
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        self.headers = {"X-Forwarded-For": address} if _FORWARDED else {}
        self.path = f"/my/account/{self.person.account_no}"
        self.signed_in = False

    def _expect(self, name: str, method: str, url: str, status: int, **options: Any) -> Any:
        """One request; a failure unless the answer has ``status``. The response (None on failure)."""
        with self.client.request(method, url, name=name, catch_response=True, allow_redirects=False,
                                 headers=self.headers, **options) as response:  # fmt: skip
            if response.status_code != status:
                response.failure(f"HTTP {response.status_code}")
                return None
            response.success()
            return response

    def sign_in(self) -> bool:
        """The two steps, with a think time for typing the details and reading the SMS."""
        form = self._expect("sign-in: GET /my/login", "GET", "/my/login", 200)
        token = csrf_of(form.text) if form is not None else None
        if token is None:
            return False
        self.wait()
        details = {
            "account_digits": self.person.account_digits,
            "id_tail": self.person.id_tail,
            "csrf_token": token,
        }
        if self._expect("sign-in: POST /my/login", "POST", "/my/login", 303, data=details) is None:
            return False
        form = self._expect("sign-in: GET /my/code", "GET", "/my/code", 200)
        token = csrf_of(form.text) if form is not None else None
        challenge = self._cookie("arrears_my_code")
        if token is None or challenge is None or _ENGINE is None:
            return False
        code = None
        for _ in range(20):  # the message is queued in the same transaction: there at once
            code = read_code(_ENGINE, challenge)
            if code is not None:
                break
            time.sleep(0.1)
        if code is None:
            events.request.fire(request_type="SMS", name="sign-in: code in the outbox", response_time=0,
                                response_length=0, exception=RuntimeError("no code"))  # fmt: skip
            return False
        self.wait()
        answer = {"code": code, "csrf_token": token}
        return self._expect("sign-in: POST /my/code", "POST", "/my/code", 303, data=answer) is not None

    def _cookie(self, name: str) -> str | None:
        for cookie in self.client.cookiejar:
            if cookie.name == name:
                return str(cookie.value)
        return None

    @task
    def visit(self) -> None:
        if not self.signed_in:
            self.signed_in = self.sign_in()
            if not self.signed_in:
                return
            self.wait()
        self._expect("what I owe: GET /my", "GET", "/my", 200)
        self.wait()
        self._expect("account: GET /my/account/{no}", "GET", self.path, 200)
        self.wait()
        self._expect("offers: GET /my/account/{no}/offers", "GET", f"{self.path}/offers", 200)
        self.wait()
        page = self._expect("pay: GET /my/account/{no}/pay", "GET", f"{self.path}/pay", 200)
        if page is None:
            return
        token, choice = csrf_of(page.text), CHOICE.search(page.text)
        if token is None or choice is None:
            return
        self.wait()
        form = {"csrf_token": token, "choice": html.unescape(choice.group(1))}
        instalment = INSTALMENT.search(page.text)
        if form["choice"] == "instalment" and instalment:
            form["instalment"] = instalment.group(1)
        answer = self._expect("pay: POST /my/account/{no}/pay", "POST", f"{self.path}/pay", 303, data=form)
        if answer is not None and "/pay/simulated/" not in answer.headers.get("location", ""):
            events.request.fire(request_type="CHECK", name="pay: redirect to the checkout", response_time=0,
                                response_length=0, exception=RuntimeError("no checkout"))  # fmt: skip
