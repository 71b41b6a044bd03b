"""Run inside the built dask-gateway image (images/dask-gateway) with the rendered configs at
/cfg (k8s-dask-gateway-objects.ts): load both the way dask-gateway-server does, so dask-gateway
validates every value, then print as JSON what the controller would create for one cluster of a
user, made by dask-gateway's own code: the scheduler and a worker pod, the credentials Secret, the
Service and the traefik routes. k8s-hub-objects.e2e.sh submits them to a real API server.
"""

import json
import os
import sys

from traitlets.config import PyFileConfigLoader

from dask_gateway_server.app import DaskGateway
from dask_gateway_server.auth import JupyterHubAuthenticator
from dask_gateway_server.backends.kubernetes import KubeClusterConfig
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_gateway_server.utils import FrozenAttrDict

os.environ.setdefault("JUPYTERHUB_API_TOKEN", "placeholder")
gateway_config = PyFileConfigLoader("gateway.py", path="/cfg").load_config()
controller_config = PyFileConfigLoader("controller.py", path="/cfg").load_config()

app = DaskGateway(config=gateway_config)
backend = app.backend_class
if backend.__name__ != "PlatformKubeBackend" or not backend.max_clusters_per_user:
    sys.exit(f"backend {backend.__name__} without the per-user cluster limit")
JupyterHubAuthenticator(config=gateway_config)
cluster = KubeClusterConfig(config=gateway_config)
controller = KubeController(config=controller_config)
if controller.gateway_instance != gateway_config.KubeBackend.gateway_instance:
    sys.exit("the gateway and the controller name different gateway instances")

namespace, name = cluster.namespace, "0123456789abcdef0123456789abcdef"
config = FrozenAttrDict(cluster.to_dict())
objects = [
    controller.make_secret(name),
    controller.make_pod(namespace, name, config, is_worker=False),
    controller.make_pod(namespace, name, config, is_worker=True),
    controller.make_ingressroute(name, namespace),
    controller.make_ingressroutetcp(name, namespace),
]
for obj in objects:
    obj.setdefault("apiVersion", "v1")
    obj.setdefault("kind", "Pod" if "containers" in obj.get("spec", {}) else obj.get("kind"))
    obj["metadata"]["namespace"] = namespace
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=1))
print(
    f"limits: cluster_max_cores={cluster.cluster_max_cores} cluster_max_memory={cluster.cluster_max_memory} "
    f"cluster_max_workers={cluster.cluster_max_workers} idle_timeout={cluster.idle_timeout} "
    f"max_clusters_per_user={backend.max_clusters_per_user}",
    file=sys.stderr,
)
