/**
 * Dask Gateway's objects on Kubernetes: the chart's shape, the config the server loads, what the
 * hub and user servers are told. Every object is also kept as a golden file
 * (golden/<kind>-<name>.json; UPDATE_GOLDEN=1 rewrites them after a deliberate change).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { gatewayNames } from "../../../../../components/kubernetes/daskGateway/names";
import {
    gatewayConfigText,
    gatewayDaskBlock,
    renderGatewayObjects,
    type GatewayRenderContext,
} from "../../../../../components/kubernetes/daskGateway/render";
import { py, renderControllerConfig } from "../../../../../components/kubernetes/daskGateway/gatewayConfig";
import { renderHubObjects } from "../../../../../components/kubernetes/jupyterhub/renderHub";
import { IMAGES, config, ctx as hubCtx, find, hubDocument, json } from "../jupyterhub/fixtures";

const GOLDEN = path.join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";
const SU = "registry.example.org/jupyterhub-platform/singleuser@sha256:" + "3".repeat(64);
const DASK = {
    "dask.enabled": "true",
    "dask.worker.memory": "2Gi",
    "dask.worker.cpu": "1",
    "dask.scheduler.memory": "1Gi",
    "dask.scheduler.cpu": "500m",
    "dask.gateway.maxClustersPerUser": "2",
    "dask.gateway.maxCoresPerCluster": "8",
    "dask.gateway.maxMemoryPerCluster": "16Gi",
    "dask.gateway.maxWorkersPerCluster": "6",
    "dask.gateway.idleTimeout": "900",
};

function gatewayCtx(extra: Record<string, string> = {}): GatewayRenderContext {
    const c = config({ ...DASK, ...extra });
    return {
        names: gatewayNames(c.kubernetes.namespace),
        namespace: c.kubernetes.namespace,
        dask: c.dask,
        images: {
            gateway: "registry.example.org/jupyterhub-platform/dask-gateway@sha256:" + "4".repeat(64),
            traefik: c.dask.gateway.traefikImage,
        },
        hubApiUrl: "http://hub:8081/hub/api",
        imagePullSecrets: ["image-pull-secret"],
        nodeSelector: { ...c.kubernetes.coreNodeSelector },
    };
}

function objects(ctx = gatewayCtx()) {
    return renderGatewayObjects(ctx, {
        apiToken: "api-token-value",
        gatewayConfig: gatewayConfigText(ctx, SU),
        configChecksum: "c".repeat(64),
    });
}

describe("Dask Gateway on Kubernetes: renderers", () => {
    it("renders the chart's objects: CRDs, three identities with their cluster roles, config, routes, Services, three Deployments", () => {
        assert.deepEqual(
            objects().map((o) => `${o.kind}/${o.metadata.name}`),
            [
                "CustomResourceDefinition/daskclusters.gateway.dask.org",
                ...[
                    "ingressroutes",
                    "ingressroutetcps",
                    "ingressrouteudps",
                    "middlewares",
                    "middlewaretcps",
                    "serverstransports",
                    "serverstransporttcps",
                    "tlsoptions",
                    "tlsstores",
                    "traefikservices",
                ].map((p) => `CustomResourceDefinition/${p}.traefik.io`),
                "ServiceAccount/api-dask-gateway",
                "ClusterRole/jupyterhub-dask-gateway-api",
                "ClusterRoleBinding/jupyterhub-dask-gateway-api",
                "ServiceAccount/controller-dask-gateway",
                "ClusterRole/jupyterhub-dask-gateway-controller",
                "ClusterRoleBinding/jupyterhub-dask-gateway-controller",
                "ServiceAccount/traefik-dask-gateway",
                "ClusterRole/jupyterhub-dask-gateway-traefik",
                "ClusterRoleBinding/jupyterhub-dask-gateway-traefik",
                "Secret/api-dask-gateway",
                "ConfigMap/api-dask-gateway",
                "ConfigMap/controller-dask-gateway",
                "IngressRoute/api-dask-gateway",
                "Middleware/api-prefix-dask-gateway",
                "Middleware/clusters-prefix-dask-gateway",
                "Service/api-dask-gateway",
                "Service/traefik-dask-gateway",
                "Deployment/api-dask-gateway",
                "Deployment/controller-dask-gateway",
                "Deployment/traefik-dask-gateway",
            ],
        );
    });

    it("configures the KubeBackend from the stack: the single-user image, sizes, limits, idle timeout, hub auth", () => {
        const text = gatewayConfigText(gatewayCtx(), SU);
        for (const line of [
            "c.DaskGateway.backend_class = PlatformKubeBackend",
            'c.KubeBackend.gateway_instance = "jupyterhub-dask-gateway"',
            'c.KubeBackend.api_url = "http://api-dask-gateway.jupyterhub:8000/api"',
            'c.KubeClusterConfig.namespace = "jupyterhub"',
            `c.KubeClusterConfig.image = "${SU}"`,
            'c.KubeClusterConfig.image_pull_secrets = [{"name": "image-pull-secret"}]',
            'c.KubeClusterConfig.scheduler_cmd = ["dask", "scheduler"]',
            "c.KubeClusterConfig.scheduler_cores = 0.5",
            `c.KubeClusterConfig.scheduler_memory_limit = ${2 ** 30}`,
            "c.KubeClusterConfig.worker_cores_limit = 1",
            `c.KubeClusterConfig.worker_memory = ${2 * 2 ** 30}`,
            "c.KubeClusterConfig.worker_threads = 1",
            "c.KubeClusterConfig.idle_timeout = 900",
            "c.KubeClusterConfig.cluster_max_cores = 8",
            `c.KubeClusterConfig.cluster_max_memory = ${16 * 2 ** 30}`,
            "c.KubeClusterConfig.cluster_max_workers = 6",
            "    max_clusters_per_user = 2",
            'c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"',
            'c.JupyterHubAuthenticator.jupyterhub_api_url = "http://hub:8081/hub/api"',
        ]) {
            assert.ok(text.split("\n").includes(line), `missing line: ${line}\n---\n${text}`);
        }
        const unlimited = gatewayConfigText(
            gatewayCtx({
                "dask.gateway.maxCoresPerCluster": "",
                "dask.gateway.maxMemoryPerCluster": "",
                "dask.gateway.maxWorkersPerCluster": "0",
            }),
            SU,
        );
        assert.doesNotMatch(unlimited, /cluster_max_/, "no per-cluster limit unless configured");
    });

    it("writes Python literals, not JSON ones", () => {
        assert.equal(py({ a: true, b: [false, null], c: 'x"y', d: 1.5 }), '{"a": True, "b": [False, None], "c": "x\\"y", "d": 1.5}');
    });

    it("the controller routes dashboards under the hub's service prefix and schedulers through the web entrypoint", () => {
        const text = renderControllerConfig(gatewayNames("jupyterhub"));
        assert.match(text, /^c\.KubeController\.proxy_prefix = "\/services\/dask-gateway"$/m);
        assert.match(
            text,
            /^c\.KubeController\.proxy_web_middlewares = \[\{"name": "clusters-prefix-dask-gateway", "namespace": "jupyterhub"\}\]$/m,
        );
        assert.match(text, /^c\.KubeController\.proxy_tcp_entrypoint = "web"$/m);
    });

    it("traefik reads only this gateway's routes; the gateway may reach the hub; every pod runs restricted", () => {
        const all = objects();
        const traefik = find(all as never, "Deployment", "traefik-dask-gateway");
        const args: string[] = traefik.spec.template.spec.containers[0].args;
        assert.ok(args.includes("--providers.kubernetescrd.labelselector=gateway.dask.org/instance=jupyterhub-dask-gateway"));
        assert.ok(args.includes("--entrypoints.web.address=:8000"));
        const api = find(all as never, "Deployment", "api-dask-gateway");
        assert.equal(api.spec.template.metadata.labels["hub.jupyter.org/network-access-hub"], "true");
        assert.deepEqual(api.spec.template.spec.containers[0].env, [
            { name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: { name: "api-dask-gateway", key: "jupyterhub-api-token" } } },
        ]);
        for (const name of ["api-dask-gateway", "controller-dask-gateway", "traefik-dask-gateway"]) {
            const pod = find(all as never, "Deployment", name).spec.template.spec;
            assert.equal(pod.securityContext.runAsNonRoot, true, name);
            assert.equal(pod.containers[0].securityContext.allowPrivilegeEscalation, false, name);
            assert.deepEqual(pod.imagePullSecrets, [{ name: "image-pull-secret" }], name);
        }
        const routes = find(all as never, "IngressRoute", "api-dask-gateway");
        assert.equal(routes.metadata.labels["gateway.dask.org/instance"], "jupyterhub-dask-gateway");
        assert.equal(routes.spec.routes[0].match, "PathPrefix(`/services/dask-gateway`)");
    });

    it("the controller may create exactly what a cluster needs (the chart's rules)", () => {
        const role = find(objects() as never, "ClusterRole", "jupyterhub-dask-gateway-controller");
        assert.deepEqual(role.rules[1], {
            apiGroups: ["traefik.io"],
            resources: ["ingressroutes", "ingressroutetcps"],
            verbs: ["get", "create", "delete"],
        });
    });

    it("tells user servers the gateway's addresses and JupyterHub auth, and the hub its service", () => {
        assert.deepEqual(gatewayDaskBlock(gatewayNames("jupyterhub")), {
            env: {
                DASK_GATEWAY__ADDRESS: "http://traefik-dask-gateway.jupyterhub:80/services/dask-gateway",
                DASK_GATEWAY__PROXY_ADDRESS: "gateway://traefik-dask-gateway.jupyterhub:80",
                DASK_GATEWAY__PUBLIC_ADDRESS: "/services/dask-gateway/",
                DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
            },
            gateway: {
                serviceName: "dask-gateway",
                url: "http://traefik-dask-gateway.jupyterhub:80",
                apiUrl: "http://api-dask-gateway.jupyterhub:8000/api",
                stopClustersWithServer: true,
            },
        });
    });

    it("the hub's document, Secret and NetworkPolicies include the gateway only with dask.enabled", () => {
        const on = hubCtx(DASK);
        const doc = hubDocument(on) as { dask: unknown };
        assert.deepEqual(doc.dask, gatewayDaskBlock(gatewayNames("jupyterhub")));
        assert.equal((hubDocument(hubCtx()) as { dask: unknown }).dask, null);
        const secrets = { cookieSecret: "a", proxyToken: "b", cryptKey: "c", daskGatewayApiToken: "d" };
        const tls = { certificate: "cert", key: "key" };
        const objs = renderHubObjects(on, { documentJson: "{}", documentChecksum: "0", secrets, registryDockerConfig: "{}", tls });
        assert.equal(find(objs, "Secret", "hub-secret").stringData["dask-gateway-api-token"], "d");
        const egress = json(find(objs, "NetworkPolicy", "singleuser").spec.egress);
        assert.deepEqual(egress[1], {
            to: [
                {
                    podSelector: {
                        matchLabels: {
                            "app.kubernetes.io/name": "dask-gateway",
                            "app.kubernetes.io/instance": "jupyterhub-dask-gateway",
                            "app.kubernetes.io/component": "traefik",
                        },
                    },
                },
            ],
            ports: [{ protocol: "TCP", port: 8000 }],
        });
        const off = renderHubObjects(hubCtx(), { documentJson: "{}", documentChecksum: "0", secrets, registryDockerConfig: "{}", tls });
        assert.ok(!JSON.stringify(find(off, "NetworkPolicy", "singleuser")).includes("dask-gateway"));
        assert.equal(find(off, "Secret", "hub-secret").stringData["dask-gateway-api-token"], undefined);
        void IMAGES;
    });

    it("matches the golden files", () => {
        const files = new Map(objects().map((o) => [`${o.kind}-${o.metadata.name}.json`, JSON.stringify(o, null, 2) + "\n"]));
        files.set("dask_gateway_config.py", gatewayConfigText(gatewayCtx(), SU));
        if (UPDATE) {
            fs.rmSync(GOLDEN, { recursive: true, force: true });
            fs.mkdirSync(GOLDEN, { recursive: true });
            for (const [f, c] of files) fs.writeFileSync(path.join(GOLDEN, f), c);
            return;
        }
        assert.deepEqual(fs.readdirSync(GOLDEN).sort(), [...files.keys()].sort(), "golden file list (UPDATE_GOLDEN=1 to rewrite)");
        for (const [f, c] of files) {
            assert.equal(c, fs.readFileSync(path.join(GOLDEN, f), "utf8"), `golden/${f} differs (UPDATE_GOLDEN=1 to rewrite)`);
        }
    });
});
