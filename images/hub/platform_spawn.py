"""Spawn-path speed-ups for DockerSpawner (local and docker-vm topologies).

Installed next to jupyterhub_config.py, which sets `c.JupyterHub.spawner_class` to
`platform_spawn.PlatformDockerSpawner` for `spawner: docker`. Two causes of slow spawns, both
measured (docs/performance.md):

1. DockerSpawner sends every Docker API call of every user through ONE class-wide worker thread
   (`ThreadPoolExecutor(1)`). A spawn makes five calls (inspect image, inspect container, create,
   start, inspect) and `start` alone takes 0.3-1 s, so N concurrent spawns queue behind each
   other's calls: the N-th waits for ~N container starts. The engine runs container starts in
   parallel; `docker_api_threads` workers let it.
2. After `start()` JupyterHub waits for the server with `exponential_backoff` (full jitter, 0.2 s
   doubling to 5 s, not configurable). A server that answers 1.2 s after its container starts is
   noticed at a random point of the next window, on average ~1 s late and up to 3 s. `start()`
   here returns only once the server answers HTTP (polled every `ready_poll_interval`, growing to
   `ready_poll_max_interval`), so the hub's first check passes. If it does not answer within
   `http_timeout`, `start()` returns anyway and JupyterHub's own wait fails the spawn as before.

It also reports its container's current address when the hub asks (get_url): a restart of the
Docker engine restarts the user containers (restart policy unless-stopped) with addresses handed
out anew, so the address in the hub's database may now be another user's container. The hub asks
every server it finds running at start for its URL and, when it differs, updates the database and
the route; DockerSpawner keeps the base class's answer (the stored URL), under which the hub found
servers "not running" and stopped them.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from dockerspawner import DockerSpawner
from traitlets import Float, Integer


async def http_answers(url, timeout=2.0):
    """True when `url` (http://) answers with a status below 500, like JupyterHub's wait_up.

    A bare HTTP/1.0 request over an asyncio connection: no client pool, so 50 spawns polling at
    once never queue behind each other (tornado's shared client allows 10 requests at a time).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port or 80), timeout)
        writer.write(f"GET {path} HTTP/1.0\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, asyncio.TimeoutError):
        return False
    finally:
        if writer is not None:
            writer.close()
    fields = status_line.split()
    return len(fields) >= 2 and fields[1].isdigit() and int(fields[1]) < 500


async def wait_until_answers(url, timeout, interval=0.05, max_interval=0.25, probe=http_answers):
    """Poll `url` until it answers; interval grows x1.5 up to max_interval. False after timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await probe(url):
            return True
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(interval, remaining))
        interval = min(max_interval, interval * 1.5)


class PlatformDockerSpawner(DockerSpawner):
    docker_api_threads = Integer(
        8,
        min=1,
        config=True,
        help="Worker threads for Docker API calls, shared by all spawns (DockerSpawner: 1).",
    )
    ready_poll_interval = Float(0.05, config=True, help="First interval (s) of the readiness poll in start().")
    ready_poll_max_interval = Float(0.25, config=True, help="Longest interval (s) of the readiness poll in start().")

    @property
    def executor(self):
        # Same contract as DockerSpawner.executor (one executor for every spawner of the class,
        # so the thread count bounds the hub's Docker calls), with more than one worker.
        cls = self.__class__
        if cls._executor is None:
            cls._executor = ThreadPoolExecutor(self.docker_api_threads, thread_name_prefix="docker-api")
        return cls._executor

    def ready_url(self, ip, port):
        """The URL JupyterHub's wait_up checks: the server's base URL plus `api`."""
        base_url = self.server.base_url if self.server is not None else "/"
        host = f"[{ip}]" if ":" in ip else ip
        return f"{self.server_scheme}://{host}:{port}{base_url}api"

    @property
    def server_scheme(self):
        return "https" if self.internal_ssl else "http"

    async def start(self):
        ip, port = await super().start()
        if self.server_scheme == "http":
            # internal_ssl needs client certificates: leave that wait to JupyterHub.
            await wait_until_answers(
                self.ready_url(ip, port),
                self.http_timeout,
                interval=self.ready_poll_interval,
                max_interval=self.ready_poll_max_interval,
            )
        return ip, port

    async def get_url(self):
        ip, port = await self.get_ip_and_port()
        return f"{self.server.proto}://{ip}:{port}{self.server.base_url}"
