"""Who gets in, and what hostile input cannot do: every route behind the login,
CSRF on every POST, cookie flags, throttling, secure headers, escaping."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from qms.auth import disable_user
from qms.capa import raise_nc
from qms.web.security import COOKIE

from web.conftest import PASSWORD, csrf_of, login

PUBLIC = {"/login", "/lang"}  # /lang only sets the session language (CSRF-checked)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _routes(app):
    for route in app.routes:
        if isinstance(route, Route):
            yield route


def test_no_route_answers_without_a_login(web):
    app = web[0]
    client = TestClient(app)
    checked = 0
    for route in _routes(app):
        if route.path in PUBLIC:
            continue
        for method in route.methods - {"HEAD"}:
            answer = client.request(method, _concrete(route.path), follow_redirects=False)
            checked += 1
            if route.path.startswith("/api/"):
                assert answer.status_code == 401, route.path
            else:
                assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), route.path
    assert checked >= 12
    assert any(isinstance(route, Mount) and route.path == "/static" for route in app.routes)
    assert client.get("/static/app.css").status_code == 200


def test_every_post_needs_the_csrf_token(web, client_for):
    app, db, config = web
    raise_nc(db, config, "lan", title="x", severity="minor")
    client = client_for("hung")
    for route in _routes(app):
        if "POST" in route.methods:
            answer = client.post(_concrete(route.path), data={"containment": "x", "username": "hung"},
                                 follow_redirects=False)
            assert answer.status_code == 403, route.path
            wrong = client.post(_concrete(route.path), data={"csrf_token": "forged"}, follow_redirects=False)
            assert wrong.status_code == 403, route.path
            assert "tải lại trang" in wrong.text, route.path  # said in the officer's language
    # the logout form carries it too, and works with it
    token = csrf_of(client.get("/nc").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/nc", follow_redirects=False).status_code == 303


def test_session_cookie_flags(web):
    app = web[0]
    with TestClient(app) as plain:
        answer = login(plain, "lan")
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(COOKIE) and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie and "Max-Age=28800" in cookie
    with TestClient(app, base_url="https://testserver") as secure:
        assert "Secure" in login(secure, "lan").headers["set-cookie"]


def test_a_forged_or_tampered_cookie_is_no_session(web):
    app = web[0]
    with TestClient(app) as client:
        login(client, "lan")
        value = client.cookies.get(COOKIE)
        client.cookies.clear()
        client.cookies.set(COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
        assert client.get("/nc", follow_redirects=False).status_code == 303


def test_wrong_passwords_are_throttled_per_user_and_address(web):
    app = web[0]
    with TestClient(app) as client:
        for _attempt in range(5):
            assert login(client, "lan", "sai-mật-khẩu-rồi").status_code == 401
        locked = login(client, "lan")  # even the right password, for a while
        assert locked.status_code == 429
        # the same address is locked for other users too
        assert login(client, "hung").status_code == 429


def test_disabled_and_unknown_users_cannot_log_in_and_lose_their_session(web):
    app, db, config = web
    with TestClient(app) as client:
        assert login(client, "nobody").status_code == 401
        assert login(client, "lan").status_code == 303
        assert client.get("/nc").status_code == 200
        disable_user(db, config, "lan")
        assert client.get("/nc", follow_redirects=False).status_code == 303
        assert login(client, "lan").status_code == 401


def test_secure_headers(web, client_for):
    answer = client_for("lan").get("/nc")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in answer.text and "onclick" not in answer.text  # no inline script


def test_login_redirect_stays_on_this_site(web):
    app = web[0]
    with TestClient(app) as client:
        page = client.get("/login", params={"next": "//evil.example/"})
        answer = client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                             "next": "https://evil.example/"}, follow_redirects=False)
        assert answer.headers["location"] == "/nc"


HOSTILE = '<script>alert("x")</script>'


def test_hostile_text_is_escaped(web, client_for):
    _app, db, config = web
    config.units["<script>U</script>"] = {"vi": "x"}
    raise_nc(db, config, "lan", title=HOSTILE, severity="major", unit="<script>U</script>",
             procedure_code=HOSTILE, evidence=[("dossier", HOSTILE, HOSTILE)])
    client = client_for("lan")
    for path in ("/nc", "/nc/NC-0001", "/nc?unit=" + HOSTILE):
        text = client.get(path).text
        assert "<script>" not in text and "&lt;script&gt;" in text, path


def test_one_nc_cannot_be_changed_through_another(web, client_for):
    """IDOR: the step form of NC-0001 carries its version; posting it to NC-0002's
    URL acts on NC-0002 only, and still under the poster's own roles."""
    _app, db, config = web
    raise_nc(db, config, "lan", title="một", severity="minor")
    raise_nc(db, config, "lan", title="hai", severity="minor")
    from qms.capa import show_nc

    inspector = client_for("tra")
    token = csrf_of(inspector.get("/nc/NC-0001").text)
    assert inspector.post("/nc/NC-0002/steps/contain", data={"csrf_token": token, "containment": "x"}).status_code == 403
    officer = client_for("lan")
    token = csrf_of(officer.get("/nc/NC-0001").text)
    officer.post("/nc/NC-0002/steps/contain", data={"csrf_token": token, "containment": "y"})
    assert show_nc(db, 1).state == "open" and show_nc(db, 2).state == "containment"
    assert officer.get("/nc/NC-9999").status_code == 404


def test_single_sign_on_header_is_believed_only_from_the_trusted_proxy(web):
    from qms.web.app import create_app

    _app, db, config = web
    behind_proxy = create_app(config, db, ".", secret_key="k", sso_header="X-Remote-User",
                              trusted_proxies=("testclient",))  # the test client's address
    with TestClient(behind_proxy) as client:
        assert client.get("/nc", headers={"X-Remote-User": "lan"}).status_code == 200
        assert client.get("/nc", headers={"X-Remote-User": "ghost"}, follow_redirects=False).status_code == 303
        disable_user(db, config, "hung")
        assert client.get("/nc", headers={"X-Remote-User": "hung"}, follow_redirects=False).status_code == 303
    elsewhere = create_app(config, db, ".", secret_key="k", sso_header="X-Remote-User", trusted_proxies=("10.0.0.9",))
    with TestClient(elsewhere) as client:
        assert client.get("/nc", headers={"X-Remote-User": "lan"}, follow_redirects=False).status_code == 303
    # off by default: the header means nothing
    with TestClient(web[0]) as client:
        assert client.get("/nc", headers={"X-Remote-User": "lan"}, follow_redirects=False).status_code == 303
