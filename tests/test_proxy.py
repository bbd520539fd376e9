"""Proxy resolution rules (pure): explicit vs environment, NO_PROXY, loopback, credentials."""

from __future__ import annotations

import base64

import pytest
from yarl import URL

from contactflow_automizy import ConfigurationError
from contactflow_automizy._proxy import ProxyResolver, bypasses_proxy, parse_proxy

SECRET = "pr0xy-s3cret"
API = URL("https://api.example.com/nodes")
PLAIN = URL("http://api.example.com/nodes")


def resolve(url: URL, **environ: str) -> str | None:
    proxy = ProxyResolver(environ=environ).for_url(url)
    return None if proxy is None else str(proxy.url)


def test_https_target_uses_https_proxy_and_http_target_http_proxy() -> None:
    env = {"HTTPS_PROXY": "http://secure:3128", "HTTP_PROXY": "http://plain:3128"}
    assert resolve(API, **env) == "http://secure:3128"
    assert resolve(PLAIN, **env) == "http://plain:3128"
    assert resolve(API, HTTP_PROXY="http://plain:3128") is None


def test_lower_case_variables_win_and_empty_ones_are_unset() -> None:
    assert resolve(API, HTTPS_PROXY="http://upper:1", https_proxy="http://lower:2") == (
        "http://lower:2"
    )
    assert resolve(API, https_proxy="", HTTPS_PROXY="http://upper:1") is None
    assert resolve(API, HTTPS_PROXY="  ") is None


def test_scheme_less_proxy_means_http() -> None:
    assert resolve(API, HTTPS_PROXY="proxy.corp:8080") == "http://proxy.corp:8080"


def test_cgi_process_ignores_upper_case_http_proxy() -> None:
    """httpoxy: in CGI a request's ``Proxy:`` header arrives as HTTP_PROXY."""
    assert resolve(PLAIN, HTTP_PROXY="http://evil:1", REQUEST_METHOD="GET") is None
    assert resolve(PLAIN, http_proxy="http://ok:1", REQUEST_METHOD="GET") == "http://ok:1"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8080/x",
        "http://127.9.9.9/x",
        "http://[::1]:8080/x",
        "http://localhost:8080/x",
        "http://LOCALHOST./x",
        "https://emulator.localhost/x",
    ],
)
def test_environment_proxy_never_applies_to_loopback(target: str) -> None:
    env = {"HTTP_PROXY": "http://corp:3128", "HTTPS_PROXY": "http://corp:3128"}
    assert resolve(URL(target), **env) is None


def test_explicit_proxy_applies_to_loopback_and_ignores_no_proxy_and_env() -> None:
    resolver = ProxyResolver(
        "http://explicit:8888",
        environ={"HTTPS_PROXY": "http://env:1", "NO_PROXY": "*"},
    )
    for url in (API, URL("http://127.0.0.1:9/x"), URL("http://localhost/x")):
        proxy = resolver.for_url(url)
        assert proxy is not None
        assert str(proxy.url) == "http://explicit:8888"


def test_trust_env_false_ignores_the_environment() -> None:
    resolver = ProxyResolver(trust_env=False, environ={"HTTPS_PROXY": "http://env:1"})
    assert resolver.for_url(API) is None


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypassed"),
    [
        ("*", "api.example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        ("example.com", "example.com", 443, True),
        (".example.com", "example.com", 443, True),
        (".example.com", "a.b.example.com", 443, True),
        ("example.com", "badexample.com", 443, False),
        ("other.org, example.com", "api.example.com", 443, True),
        ("api.example.com:8443", "api.example.com", 443, False),
        ("api.example.com:443", "api.example.com", 443, True),
        ("10.0.0.0/8", "10.1.2.3", 443, True),
        ("10.0.0.0/8", "11.1.2.3", 443, False),
        ("10.1.2.3", "10.1.2.3", 80, True),
        ("fd00::/8", "[fd00::1]", 443, True),
        ("[fd00::1]:443", "fd00::1", 443, True),
        ("API.EXAMPLE.COM", "api.example.com.", 443, True),
        ("", "api.example.com", 443, False),
        (" , ,", "api.example.com", 443, False),
    ],
)
def test_no_proxy_rules(no_proxy: str, host: str, port: int, bypassed: bool) -> None:
    assert bypasses_proxy(host, port, no_proxy) is bypassed


def test_no_proxy_from_the_environment() -> None:
    env = {"HTTPS_PROXY": "http://corp:3128", "no_proxy": "example.com"}
    assert resolve(API, **env) is None
    assert resolve(URL("https://api.other.org/x"), **env) == "http://corp:3128"


def test_environment_is_read_once_when_the_resolver_is_made() -> None:
    environ = {"HTTPS_PROXY": "http://first:1"}
    resolver = ProxyResolver(environ=environ)
    environ["HTTPS_PROXY"] = "http://second:2"
    assert str(resolver.for_url(API).url) == "http://first:1"  # type: ignore[union-attr]
    assert str(resolver.for_url(URL("https://new.example.org/")).url) == "http://first:1"  # type: ignore[union-attr]


def test_without_proxy_settings_the_resolver_is_direct() -> None:
    assert ProxyResolver(environ={}).direct
    assert ProxyResolver(environ={"NO_PROXY": "*"}).direct
    assert ProxyResolver(trust_env=False, environ={"HTTPS_PROXY": "http://env:1"}).direct
    assert not ProxyResolver(environ={"http_proxy": "http://env:1"}).direct
    assert not ProxyResolver("http://explicit:1", trust_env=False).direct


def test_credentials_leave_the_url_for_a_hidden_header() -> None:
    proxy = parse_proxy(f"http://user%40corp:{SECRET}@proxy:3128", what="proxy")
    assert str(proxy.url) == "http://proxy:3128"
    expected = base64.b64encode(f"user@corp:{SECRET}".encode()).decode()
    assert proxy.authorization == f"Basic {expected}"
    for text in (repr(proxy), str(proxy), repr(ProxyResolver(f"http://u:{SECRET}@p:1"))):
        assert SECRET not in text
        assert expected not in text


@pytest.mark.parametrize(
    "value",
    [
        f"socks5://u:{SECRET}@proxy:1080",
        f"http://u:{SECRET}@proxy:3128/some/path",
        f"http://u:{SECRET}@:3128",
        f"http://u:{SECRET}@proxy:99999",
    ],
)
def test_a_bad_proxy_is_a_configuration_error_that_hides_the_value(value: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ProxyResolver(value)
    assert "proxy" in str(info.value)
    assert SECRET not in str(info.value)


def test_a_bad_environment_proxy_names_the_variable_only() -> None:
    resolver = ProxyResolver(environ={"HTTPS_PROXY": f"socks5://u:{SECRET}@p:1"})
    with pytest.raises(ConfigurationError, match="HTTPS_PROXY") as info:
        resolver.for_url(API)
    assert SECRET not in str(info.value)
