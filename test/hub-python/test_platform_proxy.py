"""images/hub/platform_proxy.py: the hub re-adds every route when the engine reports the proxy
container's start, and jupyterhub_config.py selects it on Docker topologies only."""

import asyncio
import json
import os
import sys
import threading
from pathlib import Path

from test_config_wiring import load_hub_config

CONFIG_DIR = Path(os.environ.get("PLATFORM_HOMES_DIR", Path(__file__).resolve().parents[2] / "images" / "hub"))
sys.path.insert(0, str(CONFIG_DIR))

import platform_proxy  # noqa: E402


def test_config_selects_the_watched_proxy_with_the_proxy_container(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    config = load_hub_config(monkeypatch, tmp_path, doc, {"PLATFORM_PROXY_CONTAINER": "abc123"})
    assert config.JupyterHub.proxy_class is platform_proxy.DockerWatchedProxy
    assert config.DockerWatchedProxy.container == "abc123"
    assert config.JupyterHub.spawner_class == "platform_spawn.PlatformDockerSpawner"
    host = config.DockerSpawner.extra_host_config
    assert (host["restart_policy"], host["auto_remove"]) == ({"Name": "unless-stopped"}, False)


def test_config_keeps_the_plain_proxy_without_a_container(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    monkeypatch.delenv("PLATFORM_PROXY_CONTAINER", raising=False)
    config = load_hub_config(monkeypatch, tmp_path, doc)
    assert "proxy_class" not in config.JupyterHub


def test_a_start_event_re_adds_every_route_once_the_api_answers():
    checked = []
    started = threading.Event()

    class Probe(platform_proxy.DockerWatchedProxy):
        api_calls = 0

        def _events(self):
            yield {"status": "start", "id": self.container}
            started.wait(5)  # then block like a quiet event stream

        async def get_all_routes(self):
            # The fresh proxy's API answers only on the third try.
            Probe.api_calls += 1
            if Probe.api_calls < 3:
                raise ConnectionRefusedError("proxy starting")
            return {}

        async def check_routes(self, user_dict, service_dict, routes=None):
            if self._watch_thread is None:
                self._start_watch(asyncio.get_running_loop())
            checked.append((user_dict, service_dict))

    class App:
        users = {"alice": object()}
        _service_map = {"svc": object()}

    async def run():
        proxy = Probe(container="abc123", app=App())
        await proxy.check_routes({}, {})  # the hub's startup call
        for _ in range(100):
            if len(checked) == 2:
                break
            await asyncio.sleep(0.05)
        started.set()

    asyncio.run(run())
    assert len(checked) == 2, checked
    assert checked[1] == (App.users, App._service_map)
    assert Probe.api_calls == 3


def test_routes_are_re_added_when_the_start_up_checks_end():
    checked = []

    class Spawner:
        _check_pending = True

    spawner = Spawner()

    class User:
        spawners = {"": spawner}

    class App:
        users = {"alice": User()}
        _service_map = {}

    class Probe(platform_proxy.DockerWatchedProxy):
        async def get_all_routes(self):
            return {}

        async def check_routes(self, user_dict, service_dict, routes=None):
            checked.append(user_dict)

    async def run():
        proxy = Probe(container="abc123", app=App())
        task = asyncio.ensure_future(proxy.after_startup_checks())
        await asyncio.sleep(1.2)
        assert checked == []  # still checking: nothing to re-add yet
        spawner._check_pending = False
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    assert checked == [App.users]



def test_config_selects_the_polled_proxy_on_kubernetes(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-kubernetes.json").read_text())
    doc["kubernetes"].pop("homesProvisioner", None)  # Gluster homes need a token file: not this test's subject
    config = load_hub_config(monkeypatch, tmp_path, doc)
    assert config.JupyterHub.proxy_class is platform_proxy.PolledProxy


def _polled_probe(tables, checked):
    """A PolledProxy whose proxy API answers the given tables in turn (an exception: API away)."""

    class Hub:
        routespec = "/"

    class App:
        hub = Hub()
        users = {"alice": object()}
        _service_map = {}

    class Probe(platform_proxy.PolledProxy):
        async def get_all_routes(self):
            answer = tables.pop(0) if len(tables) > 1 else tables[0]
            if isinstance(answer, Exception):
                raise answer
            return answer

        async def check_routes(self, user_dict, service_dict, routes=None):
            checked.append(user_dict)

    return Probe(app=App(), poll_seconds=0.02), App


def test_the_poll_re_adds_routes_when_the_proxy_table_lost_the_hub_route():
    checked = []
    full = {"/": {"data": {"hub": True}}, "/user/alice": {"data": {"user": "alice"}}}
    # Normal, normal, the pod is away, a new empty proxy (the resync reads it once more), then full.
    tables = [full, full, ConnectionRefusedError("proxy pod replaced"), {}, {}, full]
    proxy, app = _polled_probe(tables, checked)

    async def run():
        proxy.start_restoring(asyncio.get_running_loop())
        for _ in range(200):
            if checked:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # further polls see the full table: no second resync
        proxy._poll_task.cancel()

    asyncio.run(run())
    assert checked == [app.users]


def test_the_poll_leaves_a_complete_table_alone():
    checked = []
    proxy, _ = _polled_probe([{"/": {"data": {"hub": True}}}], checked)

    async def run():
        proxy.start_restoring(asyncio.get_running_loop())
        await asyncio.sleep(0.3)
        proxy._poll_task.cancel()

    asyncio.run(run())
    assert checked == []
