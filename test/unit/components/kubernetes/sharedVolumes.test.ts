import * as assert from "assert";
import {
    fillJobName,
    GLUSTER_SHARED_DIR,
    sharedVolumeClaim,
    sharedVolumeFillJob,
    sharedVolumePv,
    type SharedVolumeParams,
} from "../../../../components/kubernetes/sharedVolumes";
import { FILL_SCRIPT } from "../../../../components/shared/sharedVolumeFill";
import type { SharedVolume } from "../../../../config/types";
import { fakeDigest } from "../../fixtures/dockerImages";
import { prodConfig, setupMocks } from "../../fixtures/platformMocks";
import { settle, valueOf } from "../../harness";

const SOFTWARE: SharedVolume = {
    name: "software",
    mountPath: "/opt/software",
    source: { image: "registry.example.org/site/software:2025.1", path: "/opt/conda" },
    sizeBytes: 20 * 2 ** 30,
    accessMode: "ReadWriteMany",
};
const PINNED = "registry.example.org/site/software@sha256:" + "5".repeat(64);
const CLASS: SharedVolumeParams = { namespace: "jupyterhub", storage: { kind: "class" }, imagePullSecrets: [], nodeSelector: {} };
const GLUSTER: SharedVolumeParams = { ...CLASS, storage: { kind: "gluster" }, imagePullSecrets: ["image-pull-secret"] };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const json = (o: unknown): Json => JSON.parse(JSON.stringify(o)) as Json;

describe("shared volumes on Kubernetes: renderers", () => {
    it("a claim of the cluster's storage, in the configured size and access mode", () => {
        const claim = json(sharedVolumeClaim(CLASS, SOFTWARE));
        assert.strictEqual(claim.metadata.name, "software", "user pods mount the claim by the volume's name");
        assert.deepStrictEqual(claim.spec, { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "20Gi" } } });
        const rwo = json(
            sharedVolumeClaim(
                { ...CLASS, storage: { kind: "class", storageClass: "local-path" } },
                { ...SOFTWARE, accessMode: "ReadWriteOnce" },
            ),
        );
        assert.deepStrictEqual(rwo.spec.accessModes, ["ReadWriteOnce"]);
        assert.strictEqual(rwo.spec.storageClassName, "local-path");
    });

    it("Gluster: a static PV on the Gluster mount, pre-bound to the claim, retained", () => {
        const pv = json(sharedVolumePv(GLUSTER, SOFTWARE));
        assert.strictEqual(pv.metadata.name, "shared-jupyterhub-software");
        assert.deepStrictEqual(pv.spec.hostPath, { path: `${GLUSTER_SHARED_DIR}/software`, type: "DirectoryOrCreate" });
        assert.strictEqual(GLUSTER_SHARED_DIR, "/mnt/homes/.shared");
        assert.deepStrictEqual(pv.spec.claimRef, { namespace: "jupyterhub", name: "software" });
        assert.strictEqual(pv.spec.persistentVolumeReclaimPolicy, "Retain");
        const claim = json(sharedVolumeClaim(GLUSTER, SOFTWARE));
        assert.strictEqual(claim.spec.volumeName, "shared-jupyterhub-software");
        assert.strictEqual(claim.spec.storageClassName, "gluster-homes");
    });

    it("the fill Job runs the source image's digest as root with only the copy's capabilities, once per digest", () => {
        const job = json(sharedVolumeFillJob(GLUSTER, SOFTWARE, PINNED));
        assert.strictEqual(job.metadata.name, fillJobName(SOFTWARE, PINNED));
        assert.match(job.metadata.name, /^software-fill-[0-9a-f]{10}$/);
        assert.notStrictEqual(fillJobName(SOFTWARE, PINNED.replace("5", "6")), job.metadata.name, "a new digest is a new Job");
        const pod = job.spec.template.spec;
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.deepStrictEqual(pod.imagePullSecrets, [{ name: "image-pull-secret" }]);
        const c = pod.containers[0];
        assert.strictEqual(c.image, PINNED);
        assert.deepStrictEqual(c.command, ["/bin/sh"]);
        assert.deepStrictEqual(c.args, ["-c", FILL_SCRIPT, "jhp-fill", "/opt/conda", PINNED]);
        assert.deepStrictEqual(c.volumeMounts, [{ name: "target", mountPath: "/jhp-target" }]);
        assert.deepStrictEqual(pod.volumes, [{ name: "target", persistentVolumeClaim: { claimName: "software" } }]);
        assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"] });
        assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
        assert.ok(job.spec.activeDeadlineSeconds > 0 && job.spec.backoffLimit === 2);
    });
});

describe("shared volumes on Kubernetes: the prod topology", () => {
    async function deploy(extra: Record<string, string>) {
        const mocks = await setupMocks();
        const { deployKubernetes } = await import("../../../../topologies/kubernetes");
        const outputs = deployKubernetes(prodConfig(extra));
        await settle(mocks);
        return { mocks, outputs };
    }

    it("a retained claim and a fill Job for each volume with an image, resolved in the registry", async () => {
        const { mocks, outputs } = await deploy({
            "singleuser.sharedVolumes": JSON.stringify([
                "software:/opt/software;image=registry.example.org/site/software:2025.1;size=20Gi",
                "data:/srv/data",
            ]),
        });
        const claims = mocks.ofType("kubernetes:core/v1:PersistentVolumeClaim").filter((r) => r.name.startsWith("shared-"));
        assert.deepStrictEqual(
            claims.map((c) => c.name),
            ["shared-software-claim"],
            "the volume without an image stays the operator's",
        );
        const pinned = `registry.example.org/site/software@${fakeDigest("registry:registry.example.org/site/software:2025.1")}`;
        const job = mocks.byName("shared-software-fill");
        const spec = job.inputs.spec as Json;
        assert.strictEqual(spec.template.spec.containers[0].image, pinned);
        assert.strictEqual((job.inputs.metadata as Json).namespace, "jupyterhub");
        // Gluster homes on the cluster built here: the shared volume's PV sits on the same mount.
        assert.strictEqual(mocks.byName("shared-software-pv").type, "kubernetes:core/v1:PersistentVolume");
        assert.deepStrictEqual(await valueOf(outputs.sharedVolumeSources), { software: pinned });
        assert.ok(
            !mocks.invokeCalls.includes("docker:index/getRemoteImage:getRemoteImage"),
            "nodes pull from the registry, not the operator's engine",
        );
        // KubeSpawner mounts both read-only (the document names them; the hub config marks them readOnly).
        const cm = mocks.ofType("kubernetes:core/v1:ConfigMap").find((r) => r.name.endsWith("configmap-hub-config"));
        const doc = JSON.parse(((cm?.inputs.data as Record<string, string>) ?? {})["config.json"]);
        assert.deepStrictEqual(doc.kubernetes.sharedVolumes, [
            { name: "software", mountPath: "/opt/software" },
            { name: "data", mountPath: "/srv/data" },
        ]);
    });

    it("profile images by tag reach the document and the image puller as registry digests", async () => {
        const { mocks } = await deploy({
            "singleuser.profiles": JSON.stringify(["slug=py;name=Python;image=registry.example.org/course/py:week3"]),
        });
        const pinned = `registry.example.org/course/py@${fakeDigest("registry:registry.example.org/course/py:week3")}`;
        const cm = mocks.ofType("kubernetes:core/v1:ConfigMap").find((r) => r.name.endsWith("configmap-hub-config"));
        const doc = JSON.parse(((cm?.inputs.data as Record<string, string>) ?? {})["config.json"]);
        assert.strictEqual(doc.singleuser.profiles[0].image, pinned);
        const puller = mocks.ofType("kubernetes:apps/v1:DaemonSet")[0];
        const inits = (puller.inputs.spec as Json).template.spec.initContainers as { name: string; image: string }[];
        assert.strictEqual(inits.find((c) => c.name === "image-pull-profile-py")?.image, pinned);
    });
});
