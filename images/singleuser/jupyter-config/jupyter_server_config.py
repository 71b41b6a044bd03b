"""Single-user server settings of jupyterhub-platform (installed in /usr/local/etc/jupyter, which
Jupyter reads besides the base image's /etc/jupyter).

Dask beside the hub: jupyter-server-proxy only proxies to hosts on its allow-list (loopback by
default). The hub puts the stack's Dask scheduler host in PLATFORM_DASK_DASHBOARD_HOST, so the
dashboard answers at /user/<name>/proxy/<host>:<port>/status, behind the user's own login.
"""

import os

c = get_config()  # noqa: F821 -- provided by Jupyter when it loads this file

_dask_host = os.environ.get("PLATFORM_DASK_DASHBOARD_HOST", "").strip()
if _dask_host:
    c.ServerProxy.host_allowlist = ["localhost", "127.0.0.1", _dask_host]
