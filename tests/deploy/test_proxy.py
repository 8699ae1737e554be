"""Behind the TLS proxy: gunicorn trusts forwarded headers from the proxy's address alone, the
site counts sign-in limits per client (one trusted hop of X-Forwarded-For) and the proxy
overwrites the headers a client could forge."""

from __future__ import annotations

import os
import re

import yaml

from ..conftest import ROOT, run_python

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()


def compose_default(value: str) -> str:
    """What compose makes of `${NAME:-default}` when NAME is not set."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def gunicorn_config(command: list[str], environment: dict[str, str]) -> dict[str, str]:
    """The settings gunicorn itself derives from this command line and environment."""
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    env.update(environment)
    done = run_python("-m", *command, "--print-config", env=env, timeout=60)
    done.check_returncode()
    printed = done.stdout
    return {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in printed.splitlines())
    }


def test_gunicorn_trusts_forwarded_headers_from_the_proxy_alone() -> None:
    web = SERVICES["web"]
    proxy_ip = compose_default(SERVICES["proxy"]["networks"]["edge"]["ipv4_address"])
    assert "*" not in " ".join(web["command"])
    env = {k: compose_default(str(v)) for k, v in web["environment"].items()}
    assert env["FORWARDED_ALLOW_IPS"] == proxy_ip
    config = gunicorn_config(web["command"], {"FORWARDED_ALLOW_IPS": env["FORWARDED_ALLOW_IPS"]})
    assert config["forwarded_allow_ips"] == f"['{proxy_ip}']"
    subnet = compose_default(COMPOSE["networks"]["edge"]["ipam"]["config"][0]["subnet"])
    assert proxy_ip.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]


def test_the_image_default_trusts_no_outside_address() -> None:
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert cmd, "the Dockerfile has a CMD"
    command = yaml.safe_load(cmd.group(1))
    assert "--forwarded-allow-ips" not in command
    assert gunicorn_config(command, {})["forwarded_allow_ips"] == "['127.0.0.1', '::1']"


def test_the_site_counts_one_trusted_hop_behind_the_proxy() -> None:
    web = SERVICES["web"]
    assert str(web["environment"]["TRUSTED_PROXY_COUNT"]) == "1"
    # Web is reached through the proxy only: nothing of it is published on the host.
    assert "ports" not in web
    assert {"default", "edge"} <= set(web["networks"])


def test_the_proxy_overwrites_what_a_client_could_forge() -> None:
    assert SERVICES["proxy"]["volumes"][0] == "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"
    assert "reverse_proxy web:8000" in CADDYFILE
    assert "header_up X-Forwarded-For {remote_host}" in CADDYFILE
    assert "header_up -SCRIPT_NAME" in CADDYFILE
    assert "header_up -PATH_INFO" in CADDYFILE


def test_the_proxy_sends_websockets_to_daphne_and_the_rest_to_gunicorn() -> None:
    routes = re.search(r"^\{\$SITE_DOMAIN:localhost\} \{\n(.*?)^\}", CADDYFILE, re.M | re.S)
    assert routes
    site = routes.group(1)
    websockets = re.search(r"handle /ws/\* \{(.*?)\n\t\}", site, re.S)
    assert websockets, "no handle /ws/* block"
    port = SERVICES["asgi"]["command"][SERVICES["asgi"]["command"].index("-p") + 1]
    assert f"reverse_proxy asgi:{port} {{" in websockets.group(1)
    assert "header_up X-Forwarded-For {remote_host}" in websockets.group(1)
    assert "reverse_proxy web:8000" not in websockets.group(1)
    # The proxy reaches daphne on the edge network, and nothing of daphne is published.
    assert {"default", "edge"} <= set(SERVICES["asgi"]["networks"])
    assert "ports" not in SERVICES["asgi"]
    assert SERVICES["proxy"]["depends_on"]["asgi"]["condition"] == "service_healthy"


def test_the_proxy_health_check_goes_through_caddy_to_the_sites_healthz() -> None:
    proxy = SERVICES["proxy"]
    check = proxy["healthcheck"]["test"]
    assert check[:2] == ["CMD", "wget"]  # busybox's, in the caddy:2-alpine image
    match = re.fullmatch(r"http://127\.0\.0\.1:([0-9]+)/", check[-1])
    assert match, check
    port = match.group(1)
    # The Caddyfile's listener on that port, on the container's loopback only.
    block = re.search(rf"^http://:{port} \{{\n(.*?)^\}}", CADDYFILE, re.M | re.S)
    assert block, f"no listener on :{port} in the Caddyfile"
    lines = {line.strip() for line in block.group(1).splitlines()}
    assert {"bind 127.0.0.1", "rewrite * /healthz", "reverse_proxy web:8000 {"} <= lines
    # web's own health check asks as "localhost", which docs/operators/deploy.md has production
    # allow.
    assert "header_up Host localhost" in lines
    assert all(f":{port}" not in published for published in proxy["ports"])
