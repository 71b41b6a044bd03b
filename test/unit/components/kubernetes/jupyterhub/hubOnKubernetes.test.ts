import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, settle, valueOf, isSecret } from "../../../harness";
import { HubOnKubernetes, type HubOnKubernetesArgs } from "../../../../../components/kubernetes/jupyterhub/hubOnKubernetes";
import type { KubernetesTopologyConfig } from "../../../../../config/types";
import { config, IMAGES, NO_CAS, PEM_CERT, PEM_KEY } from "./fixtures";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function isSecretInput(v: unknown): boolean {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] !== undefined;
}

function unwrap<T>(v: unknown): T {
    return (isSecretInput(v) ? (v as { value: T }).value : v) as T;
}

/** The shared mocks, also noting which provider each resource was given. */
class ProviderRecordingMocks extends RecordingMocks {
    readonly providers = new Map<string, string | undefined>();
    newResource(args: pulumi.runtime.MockResourceArgs) {
        this.providers.set(args.name, args.provider);
        return super.newResource(args);
    }
}

async function setup(): Promise<ProviderRecordingMocks> {
    const mocks = new ProviderRecordingMocks();
    await pulumi.runtime.setMocks(mocks, "jupyterhub-platform", "unit", false);
    return mocks;
}

interface Recorded {
    protect?: boolean;
    retainOnDelete?: boolean;
    ignoreChanges?: string[];
    dependsOn: number;
    /** Names of the resources it depends on. */
    dependsOnNames: string[];
    customTimeouts?: pulumi.CustomTimeouts;
}

async function deploy(c: KubernetesTopologyConfig, extra: Partial<HubOnKubernetesArgs> = {}) {
    const mocks = await setup();
    const seen = new Map<string, Recorded>();
    const provider = new k8s.Provider("cluster-k8s", { kubeconfig: "unit" });
    const hub = new HubOnKubernetes(
        "jh",
        {
            config: c,
            provider,
            namespace: c.kubernetes.namespace,
            hubImage: IMAGES.hub,
            singleuserImage: IMAGES.singleuser,
            proxyImage: IMAGES.proxy,
            renewerImage: IMAGES.renewer,
            ...extra,
        },
        {
            transformations: [
                (a) => {
                    const deps = a.opts.dependsOn;
                    seen.set(a.name, {
                        protect: a.opts.protect,
                        retainOnDelete: a.opts.retainOnDelete,
                        ignoreChanges: a.opts.ignoreChanges,
                        dependsOn: Array.isArray(deps) ? deps.length : deps ? 1 : 0,
                        dependsOnNames: (Array.isArray(deps) ? deps : deps ? [deps] : []).map((d) =>
                            String((d as unknown as { __name?: string }).__name),
                        ),
                        customTimeouts: (a.opts as pulumi.CustomResourceOptions).customTimeouts,
                    });
                    return undefined;
                },
            ],
        },
    );
    await settle(mocks);
    return { mocks, hub, seen };
}

function typesOf(mocks: RecordingMocks): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of mocks.resources) {
        out[r.type] = (out[r.type] ?? 0) + 1;
    }
    return out;
}

describe("jupyterhub-k8s HubOnKubernetes component", () => {
    it("creates the prod example's resources as typed Kubernetes resources, named <name>-<role>", async () => {
        const { mocks } = await deploy(config());
        assert.deepStrictEqual(typesOf(mocks), {
            "pulumi:providers:kubernetes": 1,
            "jupyterhub-platform:kubernetes:HubOnKubernetes": 1,
            "random:index/randomPassword:RandomPassword": 3,
            "tls:index/privateKey:PrivateKey": 1,
            "tls:index/selfSignedCert:SelfSignedCert": 1,
            "kubernetes:scheduling.k8s.io/v1:PriorityClass": 2,
            "kubernetes:core/v1:ServiceAccount": 3,
            "kubernetes:rbac.authorization.k8s.io/v1:Role": 3,
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 3,
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": 2,
            "kubernetes:core/v1:ConfigMap": 2,
            "kubernetes:core/v1:Secret": 4,
            "kubernetes:core/v1:PersistentVolumeClaim": 1,
            "kubernetes:networking.k8s.io/v1:NetworkPolicy": 4,
            "kubernetes:core/v1:Service": 3,
            "kubernetes:apps/v1:Deployment": 3,
            "kubernetes:apps/v1:StatefulSet": 1,
            "kubernetes:apps/v1:DaemonSet": 1,
            "kubernetes:batch/v1:CronJob": 1,
        });
        const hubDeployment = mocks.byName("jh-deployment-hub");
        assert.strictEqual(hubDeployment.type, "kubernetes:apps/v1:Deployment");
        const spec = hubDeployment.inputs.spec as { strategy: { type: string }; template: { spec: { containers: { image: string }[] } } };
        assert.strictEqual(spec.strategy.type, "Recreate");
        assert.strictEqual(spec.template.spec.containers[0].image, IMAGES.hub);
        assert.ok(mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).every((r) => r.name.startsWith("jh-")));
    });

    it("makes the cookie secret, crypt key and proxy token by the hub's one recipe (64 alphanumerics)", async () => {
        const { mocks } = await deploy(config());
        for (const role of ["cookie-secret", "crypt-key", "proxy-token"]) {
            const i = mocks.byName(`jh-${role}`).inputs;
            assert.deepStrictEqual([i.length, i.special], [64, false], role);
        }
    });

    it("puts the generated secrets only into the hub Secret, marked secret", async () => {
        const { mocks } = await deploy(config());
        const secret = mocks.byName("jh-secret-hub-secret").inputs;
        const data = unwrap<Record<string, unknown>>(secret.stringData);
        assert.ok(isSecretInput(secret.stringData), "stringData is secret");
        assert.deepStrictEqual(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, unwrap<string>(v)])), {
            "cookie-secret": "mock-password-jh-cookie-secret",
            "proxy-token": "mock-password-jh-proxy-token",
            "crypt-key": "mock-password-jh-crypt-key",
        });
        for (const r of mocks.resources.filter(
            (x) => x.type !== "kubernetes:core/v1:Secret" && x.type !== "random:index/randomPassword:RandomPassword",
        )) {
            assert.ok(!JSON.stringify(r.inputs).includes("mock-password"), `${r.type} ${r.name} carries a secret value`);
        }
    });

    it("writes the config document into the hub-config ConfigMap with this deployment's facts and no secret", async () => {
        const { mocks } = await deploy(config());
        const cm = mocks.byName("jh-configmap-hub-config").inputs as { data: Record<string, unknown> };
        assert.ok(!isSecretInput(cm.data), "the document is not secret");
        const doc = JSON.parse(unwrap<string>(cm.data["config.json"]));
        assert.strictEqual(doc.hub.connectUrl, "http://hub:8081");
        assert.strictEqual(doc.proxy.apiUrl, "http://proxy-api:8001");
        assert.strictEqual(doc.singleuser.image, IMAGES.singleuser);
        assert.strictEqual(doc.kubernetes.schedulerName, "jupyterhub-user-scheduler");
        const template = (
            mocks.byName("jh-deployment-hub").inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }
        ).template;
        assert.match(template.metadata.annotations["jupyterhub-platform/config-checksum"], /^[0-9a-f]{64}$/);
    });

    it("retains the hub database PVC when data is kept (the default), unprotected so `pulumi destroy` can rebuild", async () => {
        const { seen } = await deploy(config());
        assert.deepStrictEqual(
            [seen.get("jh-persistentvolumeclaim-hub-db-dir")?.protect, seen.get("jh-persistentvolumeclaim-hub-db-dir")?.retainOnDelete],
            [undefined, true],
        );
        assert.strictEqual(seen.get("jh-deployment-hub")?.protect, undefined);
    });

    it("throw-away stacks neither protect nor retain it", async () => {
        const { seen } = await deploy(config({ "data.retainOnDestroy": "false" }));
        const pvc = seen.get("jh-persistentvolumeclaim-hub-db-dir");
        assert.deepStrictEqual([pvc?.protect, pvc?.retainOnDelete], [undefined, undefined]);
    });

    it("starts workloads only after their identities, configuration, storage and policies", async () => {
        const { seen } = await deploy(config());
        for (const name of [
            "jh-deployment-hub",
            "jh-deployment-proxy",
            "jh-statefulset-user-placeholder",
            "jh-daemonset-continuous-image-puller",
            "jh-cronjob-acme-renewer",
        ]) {
            assert.ok((seen.get(name)?.dependsOn ?? 0) >= 10, `${name} depends on the foundation`);
        }
        assert.strictEqual(seen.get("jh-configmap-hub-config")?.dependsOn, 0);
    });

    // Found on a real cluster (npm run e2e:k8s): the hub rolled to a new single-user image at the
    // same moment as the puller, before the node had the image.
    it("rolls the hub only after the image puller has the single-user image on every node", async () => {
        const { seen, mocks } = await deploy(config());
        assert.ok(seen.get("jh-deployment-hub")?.dependsOnNames.includes("jh-daemonset-continuous-image-puller"));
        for (const other of ["jh-deployment-proxy", "jh-deployment-user-scheduler", "jh-statefulset-user-placeholder"]) {
            assert.ok(!seen.get(other)?.dependsOnNames.includes("jh-daemonset-continuous-image-puller"), other);
        }
        const ds = mocks.byName("jh-daemonset-continuous-image-puller").inputs as { metadata: { annotations?: Record<string, string> } };
        assert.strictEqual(ds.metadata.annotations?.["pulumi.com/skipAwait"], undefined, "the puller is awaited");
        assert.deepStrictEqual(seen.get("jh-daemonset-continuous-image-puller")?.customTimeouts, { create: "20m", update: "20m" });
    });

    it("without the puller the hub depends on the foundation only", async () => {
        const { seen } = await deploy(config({ "kubernetes.imagePuller": "false" }));
        assert.ok(!seen.get("jh-deployment-hub")?.dependsOnNames.some((n) => n.includes("daemonset")));
    });

    // Found on a real cluster: `pulumi up` after `pulumi destroy` found the retained claim Bound,
    // while the provider's await waits for Pending on a WaitForFirstConsumer class: 5 minutes, then
    // a failure, and no hub.
    it("does not await the hub database claim (retained claims are already Bound)", async () => {
        const { mocks } = await deploy(config());
        const pvc = mocks.byName("jh-persistentvolumeclaim-hub-db-dir").inputs as { metadata: { annotations?: Record<string, string> } };
        assert.strictEqual(pvc.metadata.annotations?.["pulumi.com/skipAwait"], "true");
    });

    it("letsencrypt: seeds proxy-tls with a self-signed pair and leaves its data and certbot's state to the renewer", async () => {
        const { mocks, seen } = await deploy(config());
        assert.strictEqual(mocks.byName("jh-bootstrap-tls-cert").inputs.dnsNames?.toString(), "jupyter.example.org");
        assert.deepStrictEqual(seen.get("jh-secret-proxy-tls")?.ignoreChanges, ["data", "stringData"]);
        assert.deepStrictEqual(seen.get("jh-secret-acme-renewer-state")?.ignoreChanges, ["data", "stringData"]);
        const job = mocks.byName("jh-cronjob-acme-renewer").inputs as {
            spec: { jobTemplate: { spec: { template: { spec: { containers: { image: string }[] } } } } };
        };
        assert.strictEqual(job.spec.jobTemplate.spec.template.spec.containers[0].image, IMAGES.renewer);
    });

    it("cert-manager: a Certificate custom resource, no Secret of its own, no bootstrap pair, no renewer", async () => {
        const { mocks, seen } = await deploy(
            config({ "hub.tls.mode": "cert-manager", "hub.tls.contactEmail": "", "hub.tls.certManager.issuer": "letsencrypt-prod" }),
        );
        const cert = mocks.byName("jh-certificate-proxy-tls");
        assert.strictEqual(cert.type, "kubernetes:cert-manager.io/v1:Certificate");
        assert.strictEqual((cert.inputs.spec as { secretName: string }).secretName, "proxy-tls");
        assert.ok(!seen.has("jh-secret-proxy-tls"));
        assert.strictEqual(mocks.ofType("tls:index/selfSignedCert:SelfSignedCert").length, 0);
        assert.strictEqual(mocks.ofType("kubernetes:batch/v1:CronJob").length, 0);
        assert.ok((seen.get("jh-deployment-proxy-tls-reloader")?.dependsOn ?? 0) >= 10, "the reloader waits for its identity and script");
    });

    it("manual TLS: the configured pair, no bootstrap certificate, Pulumi keeps the Secret in step", async () => {
        const { mocks, seen } = await deploy(config({ "hub.tls.mode": "manual", "hub.tls.certificate": PEM_CERT, "hub.tls.key": PEM_KEY }));
        assert.strictEqual(mocks.ofType("tls:index/selfSignedCert:SelfSignedCert").length, 0);
        const s = mocks.byName("jh-secret-proxy-tls").inputs;
        const data = unwrap<Record<string, unknown>>(s.stringData);
        assert.strictEqual(unwrap<string>(data["tls.key"]), PEM_KEY);
        assert.ok(isSecretInput(s.stringData) || isSecretInput(data["tls.key"]));
        assert.strictEqual(seen.get("jh-secret-proxy-tls")?.ignoreChanges, undefined);
        assert.strictEqual(mocks.ofType("kubernetes:batch/v1:CronJob").length, 0);
    });

    it("dummy login: generates the shared password (secret output) unless configured", async () => {
        const { mocks, hub } = await deploy(config({ ...NO_CAS, "hub.auth.type": "dummy", "hub.tls.mode": "none" }));
        assert.strictEqual(mocks.byName("jh-dummy-password").inputs.length, 24);
        assert.strictEqual(await valueOf(hub.dummyPassword), "mock-password-jh-dummy-password");
        assert.strictEqual(await isSecret(hub.dummyPassword), true);
    });

    it("passes external database and OAuth secrets from the config, marked secret", async () => {
        const { mocks } = await deploy(
            config({
                ...NO_CAS,
                "hub.auth.type": "github",
                "hub.auth.oauth.clientId": "c",
                "hub.auth.oauth.clientSecret": "oauth-s3cret",
                "hub.db.type": "external",
                "hub.db.url": "postgresql://h:db-s3cret@db/j",
            }),
        );
        const data = unwrap<Record<string, unknown>>(mocks.byName("jh-secret-hub-secret").inputs.stringData);
        assert.strictEqual(unwrap<string>(data["oauth-client-secret"]), "oauth-s3cret");
        assert.strictEqual(unwrap<string>(data["db-url"]), "postgresql://h:db-s3cret@db/j");
        assert.strictEqual(mocks.ofType("kubernetes:core/v1:PersistentVolumeClaim").length, 0);
        for (const r of mocks.resources.filter((x) => x.type !== "kubernetes:core/v1:Secret")) {
            assert.ok(!/s3cret/.test(JSON.stringify(r.inputs)), `${r.type} ${r.name} carries a config secret`);
        }
    });

    it("uses the explicit provider for every Kubernetes resource", async () => {
        const { mocks } = await deploy(config());
        const k8sResources = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.strictEqual(k8sResources.length, 33);
        for (const r of k8sResources) {
            assert.match(mocks.providers.get(r.name) ?? "none", /pulumi:providers:kubernetes::cluster-k8s::/, r.name);
        }
    });

    it("puts the entry node's address on proxy-public and can leave the hub ServiceAccount to the cluster", async () => {
        const { mocks } = await deploy(config(), { publicAddresses: ["10.20.0.15"], hubServiceAccountExists: true });
        const svc = mocks.byName("jh-service-proxy-public").inputs.spec as { externalIPs: string[] };
        assert.deepStrictEqual(svc.externalIPs, ["10.20.0.15"]);
        assert.ok(!mocks.resources.some((r) => r.name === "jh-serviceaccount-hub"));
    });

    it("outputs the public URL and the hub Service name", async () => {
        const { hub } = await deploy(config());
        assert.strictEqual(await valueOf(hub.publicUrl), "https://jupyter.example.org");
        assert.strictEqual(await valueOf(hub.hubServiceName), "hub");
        assert.strictEqual(await valueOf(hub.proxyPublicServiceName), "proxy-public");
    });
});
