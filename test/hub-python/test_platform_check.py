"""images/hub/platform_check.py and hub.auth.caBundle, with documents the program renders
(render_helpers.ts): which packages a document needs, the message a hub image without one of
them gets (the same text `pulumi up` shows), and the CA bundle every authenticator is given."""

import json
import os
import ssl
import subprocess
import sys

import pytest

from test_config_wiring import CONFIG_DIR, load_hub_config

sys.path.insert(0, str(CONFIG_DIR))
import platform_check  # noqa: E402


def doc(helpers_dir, name):
    return json.loads((helpers_dir / name).read_text())


def test_required_packages_follow_the_document(helpers_dir):
    vm = platform_check.required_packages(doc(helpers_dir, "doc-docker-vm.json"))
    assert [m for m, _, _ in vm] == ["jupyterhub", "dockerspawner", "jupyterhub_idle_culler", "escapism"]
    kube = platform_check.required_packages(doc(helpers_dir, "doc-kubernetes.json"))
    assert [(m, p) for m, p, _ in kube][:2] == [("jupyterhub", "jupyterhub"), ("kubespawner", "jupyterhub-kubespawner")]
    assert ("kubernetes_asyncio", "kubernetes_asyncio", "Gluster homes on Kubernetes") in kube
    cas = platform_check.required_packages(doc(helpers_dir, "doc-cas.json"))
    assert ("jhub_cas_authenticator", "jhub_cas_authenticator", "hub.auth.type cas") in cas


def test_the_message_names_the_missing_package_and_why(helpers_dir):
    d = doc(helpers_dir, "doc-docker-vm.json")
    message = platform_check.missing_message(d, has=lambda m: m != "dockerspawner")
    assert message == "jupyterhub_config: this hub image lacks the python package dockerspawner (needed for spawner docker)"
    kube = platform_check.missing_message(doc(helpers_dir, "doc-kubernetes.json"), has=lambda m: m == "jupyterhub")
    assert "lacks the python package jupyterhub-kubespawner (module kubespawner) (needed for spawner kubernetes)" in kube


def test_this_image_has_everything_the_documents_need(helpers_dir):
    for name in ("doc-docker-vm.json", "doc-kubernetes.json", "doc-cas.json"):
        assert platform_check.missing_message(doc(helpers_dir, name)) is None, name


def test_run_on_its_own_it_exits_1_with_the_message(helpers_dir, tmp_path):
    d = doc(helpers_dir, "doc-docker-vm.json")
    d["spawner"] = "docker"
    d["auth"]["type"] = "ldap"
    script = (CONFIG_DIR / "platform_check.py").read_text()
    # As `pulumi up` runs it: the script on stdin, the document as the argument.
    ok = subprocess.run([sys.executable, "-", json.dumps(d)], input=script, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "has every package" in ok.stdout
    # This image has every package: hide one from the interpreter (sitecustomize runs first).
    d["cull"]["enabled"] = True
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PLATFORM_TEST_FIND_SPEC_NONE": "jupyterhub_idle_culler"}
    hide = tmp_path / "sitecustomize.py"
    hide.write_text(
        "import importlib.util, os\n"
        "_real = importlib.util.find_spec\n"
        "_hidden = set(os.environ.get('PLATFORM_TEST_FIND_SPEC_NONE', '').split(','))\n"
        "importlib.util.find_spec = lambda name, *a, **k: None if name in _hidden else _real(name, *a, **k)\n"
    )
    bad = subprocess.run([sys.executable, "-", json.dumps(d)], input=script, capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        "jupyterhub_config: this hub image lacks the python package jupyterhub-idle-culler "
        "(module jupyterhub_idle_culler) (needed for hub.cull.enabled)"
    )


def test_the_hub_refuses_to_start_naming_the_package(monkeypatch, tmp_path, helpers_dir):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: None if name == "dockerspawner" else real(name, *a, **k))
    d = doc(helpers_dir, "doc-docker-vm.json")
    with pytest.raises(SystemExit, match=r"lacks the python package dockerspawner \(needed for spawner docker\)"):
        load_hub_config(monkeypatch, tmp_path, d)


def test_the_ca_bundle_reaches_the_authenticator_with_the_image_cas(monkeypatch, tmp_path, helpers_dir):
    d = doc(helpers_dir, "doc-cas.json")
    assert d["auth"]["caBundleFile"] == "/etc/jupyterhub/platform/ca-bundle.pem"
    ca = (helpers_dir / "ca.pem").read_text()
    d["auth"]["caBundleFile"] = str(helpers_dir / "ca.pem")
    for var in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(var, raising=False)
    config = load_hub_config(monkeypatch, tmp_path, d)
    bundle = config.CASAuthenticator.cas_client_ca_certs
    text = open(bundle, encoding="utf-8").read()
    assert ca.strip() in text
    assert text.count("BEGIN CERTIFICATE") > 1, "the image's own CAs stay trusted"
    assert os.environ["REQUESTS_CA_BUNDLE"] == bundle == os.environ["SSL_CERT_FILE"]
    # A TLS client built from it trusts the private CA.
    ctx = ssl.create_default_context(cafile=bundle)
    assert any("unit-test CA" in str(c.get("subject")) for c in ctx.get_ca_certs())


def test_ldap_and_oauth_get_the_bundle_through_their_own_options(monkeypatch, tmp_path, helpers_dir):
    d = doc(helpers_dir, "doc-cas.json")
    d["auth"]["caBundleFile"] = str(helpers_dir / "ca.pem")
    d["auth"]["type"] = "ldap"
    d["auth"]["ldap"] = {
        "serverAddress": "ldap.example.org",
        "serverPort": 636,
        "useSsl": True,
        "bindDnTemplates": ["uid={username},dc=example,dc=org"],
        "lookupDn": False,
        "userSearchBase": None,
        "userAttribute": "uid",
        "searchUser": None,
    }
    ldap = load_hub_config(monkeypatch, tmp_path, d)
    assert set(ldap.LDAPAuthenticator.tls_kwargs) == {"ca_certs_file"}
    d["auth"]["type"] = "generic-oauth"
    d["auth"]["oauth"] = {
        "clientId": "id",
        "callbackUrl": "https://hub.example.org/hub/oauth_callback",
        "authorizeUrl": "https://idp.example.org/authorize",
        "tokenUrl": "https://idp.example.org/token",
        "userdataUrl": "https://idp.example.org/userinfo",
        "usernameClaim": "preferred_username",
        "groupsClaim": None,
        "scopes": [],
    }
    oauth = load_hub_config(monkeypatch, tmp_path, d, {"PLATFORM_OAUTH_CLIENT_SECRET": "s"})
    assert set(oauth.OAuthenticator.http_request_kwargs) == {"ca_certs"}
