"""images/hub/platform_spawn.py: the readiness wait against real HTTP servers on loopback, the
parallel Docker API executor, and the wiring in jupyterhub_config.py (the local and docker-vm
hubs use PlatformDockerSpawner; event-loop stalls are logged from 0.25 s)."""

import asyncio
import json
import threading
import time
from types import SimpleNamespace

import pytest

import platform_spawn
from test_config_wiring import load_hub_config


class SlowHttpServer:
    """An HTTP server on 127.0.0.1 that starts listening `delay` seconds after start() and answers
    every request with `status` (changeable while it runs)."""

    def __init__(self, delay=0.0, status=200):
        self.delay = delay
        self.status = status
        self.requests = 0
        self.port = None
        self.server = None

    async def _handle(self, reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        self.requests += 1
        writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    async def start(self):
        # Reserve a free port now so the URL is known before the server listens.
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        self.port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()

        async def later():
            await asyncio.sleep(self.delay)
            self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

        self._task = asyncio.ensure_future(later())
        return f"http://127.0.0.1:{self.port}/user/a/api"

    async def stop(self):
        await self._task
        self.server.close()
        await self.server.wait_closed()


async def timed_wait(url, timeout):
    """wait_until_answers(url) and the seconds it took."""
    t0 = time.perf_counter()
    ok = await platform_spawn.wait_until_answers(url, timeout=timeout)
    return ok, time.perf_counter() - t0


def test_wait_returns_soon_after_the_server_answers():
    async def main():
        srv = SlowHttpServer(delay=0.6)
        url = await srv.start()
        ok, elapsed = await timed_wait(url, 5)
        await srv.stop()
        return ok, elapsed, srv.requests

    ok, elapsed, requests = asyncio.run(main())
    assert ok
    # Noticed within one max interval (0.25 s) of the server answering, not JupyterHub's
    # jittered 0.2 s-doubling backoff (whose window after 0.6 s reaches 1.5 s).
    assert 0.6 <= elapsed < 0.6 + 0.25 + 0.15, elapsed
    assert requests == 1


def test_wait_does_not_count_a_5xx_as_ready():
    async def main():
        srv = SlowHttpServer(delay=0, status=503)
        url = await srv.start()
        loop = asyncio.get_running_loop()
        loop.call_later(0.5, lambda: setattr(srv, "status", 302))
        ok, elapsed = await timed_wait(url, 5)
        await srv.stop()
        return ok, elapsed, srv.requests

    ok, elapsed, requests = asyncio.run(main())
    assert ok and elapsed >= 0.5 and requests >= 3


def test_wait_gives_up_at_the_timeout_when_nothing_answers():
    async def main():
        srv = SlowHttpServer(delay=30)
        url = await srv.start()
        ok, elapsed = await timed_wait(url, 0.7)
        srv._task.cancel()
        return ok, elapsed

    ok, elapsed = asyncio.run(main())
    assert ok is False
    assert 0.7 <= elapsed < 1.2, elapsed


def test_http_answers_parses_the_status_line():
    async def main():
        results = []
        for status in (200, 404, 500):
            srv = SlowHttpServer(status=status)
            url = await srv.start()
            await asyncio.sleep(0.05)
            results.append(await platform_spawn.http_answers(url))
            await srv.stop()
        return results

    assert asyncio.run(main()) == [True, True, False]


@pytest.fixture
def spawner_class():
    """PlatformDockerSpawner with a stand-in Docker client; restores the class-wide singletons."""
    cls = platform_spawn.PlatformDockerSpawner
    saved = (cls._client, cls._executor)
    calls = []

    def slow_start(container):
        calls.append((container, threading.current_thread().name))
        time.sleep(0.3)
        return container

    cls._client = SimpleNamespace(start=slow_start)
    cls._executor = None
    yield cls, calls
    if cls._executor is not None:
        cls._executor.shutdown(wait=True)
    cls._client, cls._executor = saved


def test_docker_calls_of_concurrent_spawns_run_in_parallel(spawner_class):
    cls, calls = spawner_class
    spawners = [cls(user=SimpleNamespace(name=f"u{i}", id=i, url=f"/user/u{i}/")) for i in range(4)]

    async def main():
        t0 = time.perf_counter()
        await asyncio.gather(*(s.docker("start", f"c{i}") for i, s in enumerate(spawners)))
        return time.perf_counter() - t0

    elapsed = asyncio.run(main())
    # DockerSpawner's single worker would take 4 x 0.3 s.
    assert elapsed < 0.75, elapsed
    assert sorted(c for c, _ in calls) == ["c0", "c1", "c2", "c3"]
    assert len({t for _, t in calls}) == 4
    assert cls._executor._max_workers == 8


def test_start_returns_once_the_server_answers(monkeypatch):
    from dockerspawner import DockerSpawner

    async def main():
        srv = SlowHttpServer(delay=0.5)
        await srv.start()

        async def started(self):
            return "127.0.0.1", srv.port

        monkeypatch.setattr(DockerSpawner, "start", started)
        spawner = platform_spawn.PlatformDockerSpawner(user=SimpleNamespace(name="a", id=1, url="/user/a/"))
        spawner.server = SimpleNamespace(base_url="/user/a/")
        t0 = time.perf_counter()
        ip_port = await spawner.start()
        elapsed = time.perf_counter() - t0
        answered = srv.requests
        await srv.stop()
        return ip_port, elapsed, answered

    ip_port, elapsed, answered = asyncio.run(main())
    assert ip_port[0] == "127.0.0.1"
    assert elapsed >= 0.5 and answered == 1, (elapsed, answered)


def test_docker_hubs_use_the_platform_spawner_and_log_short_stalls(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-docker-vm.json").read_text())
    config = load_hub_config(monkeypatch, tmp_path, doc)
    assert config.JupyterHub.spawner_class == "platform_spawn.PlatformDockerSpawner"
    assert config.PeriodicMetricsCollector.event_loop_interval_log_threshold == 0.25
    # c.DockerSpawner settings reach the subclass.
    spawner = platform_spawn.PlatformDockerSpawner(config=config, user=SimpleNamespace(name="a", id=1, url="/user/a/"))
    assert spawner.network_name == doc["docker"]["network"]


def test_kubernetes_hub_keeps_kubespawner(monkeypatch, tmp_path, helpers_dir):
    doc = json.loads((helpers_dir / "doc-kubernetes.json").read_text())
    doc["kubernetes"].pop("homesProvisioner", None)
    config = load_hub_config(monkeypatch, tmp_path, doc)
    assert config.JupyterHub.spawner_class == "kubespawner.KubeSpawner"


def test_the_docker_spawner_reports_its_container_s_current_address():
    from types import SimpleNamespace

    class Probe(platform_spawn.PlatformDockerSpawner):
        async def get_ip_and_port(self):
            return "10.213.1.9", 8888

    spawner = Probe.__new__(Probe)
    spawner.__dict__["_probe_server"] = SimpleNamespace(proto="http", base_url="/user/alice/")
    Probe.server = property(lambda self: self.__dict__["_probe_server"])
    assert asyncio.run(spawner.get_url()) == "http://10.213.1.9:8888/user/alice/"
