"""The proxy's routing table restored as soon as the proxy container (re)starts (Docker topologies).

configurable-http-proxy keeps its routes in memory: after a crash and restart (restart policy
unless-stopped) its table is empty and every user server answers 404 until the hub re-adds the
routes. JupyterHub does that only on its activity sweep (last_activity_interval). The hub here
already holds the engine's socket (DockerSpawner), so it watches the engine's events for the proxy
container's `start` and re-adds every route at once (Proxy.check_routes, the sweep's own code).

Bounded and best effort: the watch runs in one daemon thread and reconnects after an error (the
engine restarting, say) after RECONNECT_SECONDS; each reconnect also re-checks the routes, since
a start may have happened while it was not watching. The periodic sweep stays as the backstop.

Kubernetes topologies have no engine socket in the hub pod, and a replaced proxy pod answers on
the same Service: PolledProxy asks the proxy's API for its table every poll_seconds instead and
re-adds every route when the hub's own route is missing (it is there from the hub's first check
on, so its absence means a proxy that started empty). One small GET per interval; the sweep
stays the backstop for a single lost user route.
"""

import asyncio
import threading
import time

from jupyterhub.proxy import ConfigurableHTTPProxy
from traitlets import Float, Unicode

RECONNECT_SECONDS = 2
# How long, after the hub starts, it waits for its checks of running servers to finish.
STARTUP_CHECKS_WAIT_SECONDS = 600
# How long a resync waits for a freshly started proxy's API to answer.
PROXY_API_WAIT_SECONDS = 60


class RestoringProxy(ConfigurableHTTPProxy):
    """ConfigurableHTTPProxy (should_start False) with a bounded re-add of every route (resync)."""

    _restoring_started = False
    # Names the mechanism in the hub's log (the fault test reads the Docker one).
    log_prefix = "platform proxy"

    async def check_routes(self, user_dict, service_dict, routes=None):
        # The hub calls this once at startup, with its event loop running: start watching then.
        if not self._restoring_started and self.restoring_enabled():
            self._restoring_started = True
            self.start_restoring(asyncio.get_running_loop())
            asyncio.ensure_future(self.after_startup_checks())
        return await super().check_routes(user_dict, service_dict, routes)

    def restoring_enabled(self):
        return True

    def start_restoring(self, loop):
        raise NotImplementedError

    async def after_startup_checks(self):
        """Re-add routes once the hub has checked every server it found running at start.

        A hub that needs more than init_spawners_timeout (10 s) to poll its servers (a busy engine
        just after its restart) starts with those checks in the background; its startup route check
        then skips every server still being checked, and JupyterHub adds no route when such a check
        ends ("still running"). Without this, those servers stay unreachable until the sweep.
        """
        deadline = time.monotonic() + STARTUP_CHECKS_WAIT_SECONDS
        waited = False
        while time.monotonic() < deadline:
            pending = [s for u in list(self.app.users.values()) for s in list(u.spawners.values()) if s._check_pending]
            if not pending:
                break
            waited = True
            await asyncio.sleep(0.5)
        if waited:
            await self.resync("the hub's start-up checks of running servers finished")

    async def resync(self, why):
        """Wait (bounded) for the proxy's API, then add every missing route."""
        deadline = time.monotonic() + PROXY_API_WAIT_SECONDS
        while True:
            try:
                await self.get_all_routes()
                break
            except Exception as e:
                if time.monotonic() > deadline:
                    self.log.error("%s: %s, but the proxy API did not answer: %s", self.log_prefix, why, e)
                    return
                await asyncio.sleep(0.25)
        started = time.monotonic()
        await self.check_routes(self.app.users, self.app._service_map)
        self.log.info("%s: %s; routes checked in %.2fs", self.log_prefix, why, time.monotonic() - started)


class DockerWatchedProxy(RestoringProxy):
    """Re-adds every route when the engine reports the proxy container's start."""

    container = Unicode("", config=True, help="ID or name of the proxy's container on the hub's Docker engine.")

    _watch_thread = None
    log_prefix = "platform proxy watch"

    def restoring_enabled(self):
        return bool(self.container)

    def start_restoring(self, loop):
        self._start_watch(loop)

    def _start_watch(self, loop):
        self._watch_thread = threading.Thread(target=self._watch, args=(loop,), name="platform-proxy-watch", daemon=True)
        self._watch_thread.start()

    def _events(self):
        """The engine's start events of the proxy container (a blocking generator)."""
        import docker  # DockerSpawner's dependency; imported here so the module loads without it

        client = docker.APIClient(version="auto")
        return client.events(decode=True, filters={"type": "container", "event": "start", "container": self.container})

    def _watch(self, loop):
        first = True
        while True:
            try:
                events = self._events()
                if not first:
                    self._schedule(loop, "the engine watch reconnected")
                first = False
                for _event in events:
                    self._schedule(loop, f"proxy container {self.container[:12]} started")
            except Exception as e:  # the engine went away; try again shortly
                self.log.warning("platform proxy watch: %s; reconnecting in %ss", e, RECONNECT_SECONDS)
            time.sleep(RECONNECT_SECONDS)

    def _schedule(self, loop, why):
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.resync(why), loop)


class PolledProxy(RestoringProxy):
    """Re-adds every route when a poll of the proxy's table finds the hub's own route missing."""

    poll_seconds = Float(2.0, config=True, help="Seconds between two reads of the proxy's routing table.")

    _poll_task = None
    log_prefix = "platform proxy poll"

    def start_restoring(self, loop):
        self._poll_task = loop.create_task(self._poll())

    async def _poll(self):
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                routes = await self.get_all_routes()
            except Exception as e:  # the proxy is away (pod replaced): the next poll tries again
                self.log.debug("platform proxy poll: %s", e)
                continue
            if self.app.hub.routespec not in routes:
                try:
                    await self.resync(f"the proxy's table has no hub route ({len(routes)} routes)")
                except Exception as e:
                    self.log.error("platform proxy poll: resync failed: %s", e)
