"""jupyterhub_config.py loaded by JupyterHub's own loader with documents the program renders
(render_helpers.ts): the home hooks are installed, chained with the profile hook, and reach the
real helpers; DockerSpawner bind-mounts the host home instead of a named volume."""

import asyncio
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from test_platform_homes import kube_spawner

CONFIG_DIR = Path(os.environ.get("PLATFORM_HOMES_DIR", Path(__file__).resolve().parents[2] / "images" / "hub"))


def load_hub_config(monkeypatch, tmp_path, doc, extra_env=None):
    from jupyterhub.app import JupyterHub

    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc))
    env = {
        "PLATFORM_CONFIG": str(path),
        "PLATFORM_COOKIE_SECRET": "cookie",
        "CONFIGPROXY_AUTH_TOKEN": "proxy-token",
        "PLATFORM_CRYPT_KEY": "crypt",
        "PLATFORM_DUMMY_PASSWORD": "long-enough-password",
        **(extra_env or {}),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    app = JupyterHub()
    app.load_config_file(str(CONFIG_DIR / "jupyterhub_config.py"))
    return app.config


def test_docker_vm_hub_binds_host_homes_and_chains_the_hooks(monkeypatch, tmp_path, helpers_dir, vm):
    from dockerspawner import DockerSpawner

    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    assert doc["docker"]["homesSocket"] == "/run/jupyterhub-homes/homes.sock"
    srv = vm.start()
    doc["docker"]["homesSocket"] = srv.path  # the same helper, on a socket under tmp
    config = load_hub_config(monkeypatch, tmp_path, doc)

    assert config.DockerSpawner.volumes == {"/srv/homes/{username}": doc["singleuser"]["homeMountPath"]}
    spawner = DockerSpawner(config=config, user=SimpleNamespace(name="a.b", id=1, url="/user/a.b/"))
    assert spawner.volume_binds == {"/srv/homes/a-2eb": {"bind": "/home/jovyan", "mode": "rw"}}

    spawner.user_options = {"profile": "big"}
    asyncio.run(config.Spawner.pre_spawn_hook(spawner))
    assert spawner.mem_limit == 4_000_000_000, "the profile hook ran"
    assert (vm.homes / "a-2eb" / ".stub-subvolume").is_file(), "the home hook ran"
    assert srv.connections == 1


def test_docker_vm_hub_fails_the_spawn_without_the_helper(monkeypatch, tmp_path, helpers_dir):
    from dockerspawner import DockerSpawner

    from platform_homes import HomeProvisionError

    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    doc["docker"]["homesSocket"] = str(tmp_path / "nobody-listens.sock")
    config = load_hub_config(monkeypatch, tmp_path, doc)
    spawner = DockerSpawner(config=config, user=SimpleNamespace(name="bob", id=2, url="/user/bob/"))
    with pytest.raises(HomeProvisionError, match="unreachable"):
        asyncio.run(config.Spawner.pre_spawn_hook(spawner))


def test_local_hub_keeps_named_volumes_and_no_home_hook(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    for key in ("homesSocket", "homeBindTemplate"):
        del doc["docker"][key]
    doc["singleuser"]["profiles"] = []
    config = load_hub_config(monkeypatch, tmp_path, doc)
    assert config.DockerSpawner.volumes == {doc["docker"]["homeVolumeTemplate"]: doc["singleuser"]["homeMountPath"]}
    assert "pre_spawn_hook" not in config.Spawner


def test_kubernetes_hub_provisions_directory_quota_and_pv(monkeypatch, tmp_path, helpers_dir, gluster, kube_api, core_v1):
    doc = json.loads((helpers_dir / "doc-kubernetes.json").read_text())
    assert doc["kubernetes"]["homesProvisioner"] == {"configDir": "/etc/jupyterhub/homes-provisioner"}
    doc["kubernetes"]["homesProvisioner"]["configDir"] = str(gluster.config)
    config = load_hub_config(monkeypatch, tmp_path, doc, {"PLATFORM_HOMES_TOKEN_FILE": str(gluster.token)})
    assert config.JupyterHub.spawner_class == "kubespawner.KubeSpawner"
    import platform_homes

    assert config.KubeSpawner.modify_pod_hook is platform_homes.wait_claim_bound

    async def go():
        spawner = kube_spawner("alice")
        spawner.api = core_v1.make()  # KubeSpawner's own CoreV1Api
        try:
            await config.Spawner.pre_spawn_hook(spawner)
        finally:
            await core_v1.holder["client"].close()

    asyncio.run(go())
    assert (gluster.admin / "alice").is_dir()
    assert [pv["metadata"]["name"] for _, pv in kube_api.requests] == ["home-jupyterhub-alice"]


def test_kubernetes_hub_refuses_to_start_without_the_token(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-kubernetes.json").read_text())
    monkeypatch.delenv("PLATFORM_HOMES_TOKEN_FILE", raising=False)
    with pytest.raises(SystemExit, match="PLATFORM_HOMES_TOKEN_FILE"):
        load_hub_config(monkeypatch, tmp_path, doc)


def test_server_answer_wait_follows_singleuser_start_timeout(monkeypatch, tmp_path, helpers_dir):
    # e2e:dev-vm: a server under emulation answered after more than 120 s; a fixed 120 s cap on
    # http_timeout failed the spawn although singleuser.startTimeout allowed 900 s.
    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    doc["singleuser"]["startTimeoutSeconds"] = 900
    config = load_hub_config(monkeypatch, tmp_path, doc)
    assert config.Spawner.start_timeout == 900
    assert config.Spawner.http_timeout == 900
