# Rendered by jupyterhub-platform (components/kubernetes/daskGateway/gatewayConfig.ts).
from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.backends.kubernetes import KubeBackend

c.DaskGateway.log_level = "INFO"
c.DaskGateway.address = ":8000"


class PlatformKubeBackend(KubeBackend):
    """KubeBackend with dask.gateway.maxClustersPerUser: a user's request for one more cluster
    than allowed is refused with a message (HTTP 422), before anything is created."""

    max_clusters_per_user = 2

    async def start_cluster(self, user, cluster_options):
        if self.max_clusters_per_user:
            active = await self.list_clusters(username=user.name)
            if len(active) >= self.max_clusters_per_user:
                raise PublicException(
                    f"{user.name} already runs {len(active)} Dask cluster(s), the most allowed per user; "
                    "shut one down first (cluster.shutdown() or gateway.stop_cluster(name))"
                )
        return await super().start_cluster(user, cluster_options)


c.DaskGateway.backend_class = PlatformKubeBackend
c.KubeBackend.gateway_instance = "jupyterhub-dask-gateway"
c.KubeBackend.api_url = "http://api-dask-gateway.jupyterhub:8000/api"

# Cluster pods: the single-user image, so a user's client and the cluster run the same dask.
c.KubeClusterConfig.namespace = "jupyterhub"
c.KubeClusterConfig.image = "registry.example.org/jupyterhub-platform/singleuser@sha256:3333333333333333333333333333333333333333333333333333333333333333"
c.KubeClusterConfig.image_pull_policy = "IfNotPresent"
c.KubeClusterConfig.image_pull_secrets = [{"name": "image-pull-secret"}]
# The image has the `dask` command (the dask-scheduler/dask-worker aliases are gone from distributed).
c.KubeClusterConfig.scheduler_cmd = ["dask", "scheduler"]
c.KubeClusterConfig.worker_cmd = ["dask", "worker"]
c.KubeClusterConfig.scheduler_cores = 0.5
c.KubeClusterConfig.scheduler_cores_limit = 0.5
c.KubeClusterConfig.scheduler_memory = 1073741824
c.KubeClusterConfig.scheduler_memory_limit = 1073741824
c.KubeClusterConfig.worker_cores = 1
c.KubeClusterConfig.worker_cores_limit = 1
c.KubeClusterConfig.worker_memory = 2147483648
c.KubeClusterConfig.worker_memory_limit = 2147483648
c.KubeClusterConfig.worker_threads = 1
c.KubeClusterConfig.scheduler_extra_pod_config = {"securityContext": {"runAsNonRoot": True, "fsGroup": 100, "seccompProfile": {"type": "RuntimeDefault"}}}
c.KubeClusterConfig.worker_extra_pod_config = {"securityContext": {"runAsNonRoot": True, "fsGroup": 100, "seccompProfile": {"type": "RuntimeDefault"}}}
c.KubeClusterConfig.scheduler_extra_container_config = {"securityContext": {"runAsUser": 1000, "runAsGroup": 100, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}
c.KubeClusterConfig.worker_extra_container_config = {"securityContext": {"runAsUser": 1000, "runAsGroup": 100, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}

# Limits (dask.gateway.*): per cluster from dask-gateway's own options, idle clusters stop.
c.KubeClusterConfig.idle_timeout = 900
c.KubeClusterConfig.cluster_max_cores = 8
c.KubeClusterConfig.cluster_max_memory = 17179869184
c.KubeClusterConfig.cluster_max_workers = 6

# JupyterHub authentication: a user's hub token (JUPYTERHUB_API_TOKEN in their server) names them.
# The gateway's own token (JUPYTERHUB_API_TOKEN here) comes from its Secret.
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
c.JupyterHubAuthenticator.jupyterhub_api_url = "http://hub:8081/hub/api"
