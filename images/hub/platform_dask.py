"""Dask Gateway as a JupyterHub service (kubernetes with dask.enabled), for jupyterhub_config.py.

A user's gateway clusters go when their server goes: the hub's post-stop hook (server stopped by
the user, an admin or the idle culler) asks the gateway, as that user, to stop every cluster they
still run. dask-gateway's idle timeout (dask.gateway.idleTimeout) catches what this misses, e.g. a
hub that was down when the server stopped.
"""

import json
import logging
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

log = logging.getLogger("jupyterhub.platform_dask")

# A token the hook mints for the user and revokes when done; the gateway checks it against the
# hub's API (JupyterHubAuthenticator), so it only needs to name the user.
TOKEN_SECONDS = 300
REQUEST_TIMEOUT = 20


def gateway_service(block, api_token):
    """The JupyterHub service entry: its route /services/<name>/ goes to the gateway's traefik."""
    return {
        "name": block["serviceName"],
        "url": block["url"],
        "api_token": api_token,
        "display": False,
    }


async def stop_user_clusters(user, api_url, client=None, timeout=REQUEST_TIMEOUT):
    """Stop every gateway cluster `user` runs; returns the names of the clusters asked to stop."""
    client = client or AsyncHTTPClient()
    token = user.new_api_token(note="dask-gateway: stop clusters with the server", expires_in=TOKEN_SECONDS)
    headers = {"Authorization": f"jupyterhub {token}"}
    stopped = []
    try:
        listing = await client.fetch(
            HTTPRequest(f"{api_url}/v1/clusters/", headers=headers, request_timeout=timeout)
        )
        clusters = json.loads(listing.body or b"{}")
        for name in sorted(clusters):
            await client.fetch(
                HTTPRequest(
                    f"{api_url}/v1/clusters/{quote(name, safe='')}",
                    method="DELETE",
                    headers=headers,
                    request_timeout=timeout,
                )
            )
            stopped.append(name)
    finally:
        _revoke(user, token)
    return stopped


def _revoke(user, token):
    try:
        for t in list(user.api_tokens):
            if t.match(token):
                user.db.delete(t)
                user.db.commit()
                return
    except Exception:  # revoking is best effort: the token expires anyway
        log.exception("could not revoke the dask-gateway cleanup token of %s", user.name)


def post_stop_hook(api_url):
    """A Spawner.post_stop_hook that stops the user's clusters; failures are logged, never raised
    (a stop must not fail because the gateway is away)."""

    async def hook(spawner):
        try:
            stopped = await stop_user_clusters(spawner.user, api_url)
            if stopped:
                spawner.log.info("dask-gateway: stopped %s's clusters %s with their server", spawner.user.name, stopped)
        except Exception as e:
            spawner.log.warning("dask-gateway: could not stop %s's clusters: %s", spawner.user.name, e)

    return hook
