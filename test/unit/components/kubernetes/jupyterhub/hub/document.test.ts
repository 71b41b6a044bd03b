import * as assert from "assert";
import { checksum, hubDocumentJson } from "../../../../../../components/kubernetes/jupyterhub/hub/document";
import { ADDONS_OFF, ctx, IMAGES } from "../fixtures";

const IMAGE = IMAGES.singleuser as string;

type Doc = Record<string, Record<string, unknown>>;
const render = (c: ReturnType<typeof ctx>, image = IMAGE): Doc => JSON.parse(hubDocumentJson(c, image)) as Doc;

describe("jupyterhub-k8s hub config document", () => {
    it("carries this deployment's addresses: hub Service, proxy-api, the sqlite file on the PVC", () => {
        const doc = render(ctx());
        assert.strictEqual(doc.spawner as unknown, "kubernetes");
        assert.strictEqual(doc.docker as unknown, null);
        assert.strictEqual(doc.hub.bindUrl, "http://0.0.0.0:8081");
        assert.strictEqual(doc.hub.connectUrl, "http://hub:8081");
        assert.strictEqual(doc.hub.dbUrl, "sqlite:////srv/jupyterhub/data/jupyterhub.sqlite");
        assert.strictEqual(doc.proxy.apiUrl, "http://proxy-api:8001");
    });

    it("external database: dbUrl null, so the hub reads PLATFORM_DB_URL(_FILE)", () => {
        const doc = render(ctx({ "hub.db.type": "external", "hub.db.url": "postgresql://hub:pw@db/jupyterhub" }));
        assert.strictEqual(doc.hub.dbUrl, null);
        assert.ok(!JSON.stringify(doc).includes("pw@db"));
    });

    it("pins the single-user image to the one the puller pre-pulls", () => {
        assert.strictEqual(render(ctx()).singleuser.image, IMAGE);
    });

    it("sets the KubeSpawner block's namespace, user node selector, labels, claim, scheduler and priority", () => {
        const c = ctx(
            { "kubernetes.userNodeSelector": JSON.stringify(["hub.jupyter.org/node-purpose=user"]) },
            { storageClassName: "fast" },
        );
        const k = render(c).kubernetes;
        assert.strictEqual(k.namespace, "jupyterhub");
        assert.deepStrictEqual(k.nodeSelector, { "hub.jupyter.org/node-purpose": "user" });
        assert.deepStrictEqual(k.labels, {
            app: "jupyterhub",
            release: "jupyterhub",
            heritage: "jupyterhub",
            "hub.jupyter.org/network-access-hub": "true",
        });
        assert.strictEqual(k.schedulerName, "jupyterhub-user-scheduler");
        assert.strictEqual(k.priorityClassName, "jupyterhub-default-priority");
        assert.strictEqual(k.homePvcTemplate, "claim-{username}");
        assert.strictEqual(k.storageClass, "fast");
        assert.strictEqual(k.homesProvisioner, null);
    });

    it("no storage class given: the cluster's default class (no storageClass key)", () => {
        assert.ok(!("storageClass" in render(ctx()).kubernetes));
    });

    it("no user scheduler and no placeholders: schedulerName and priorityClassName null", () => {
        const k = render(ctx(ADDONS_OFF)).kubernetes;
        assert.strictEqual(k.schedulerName, null);
        assert.strictEqual(k.priorityClassName, null);
    });

    it("renders the config's auth, profiles and culling", () => {
        const c = ctx({ "singleuser.profiles": JSON.stringify(["slug=small;name=Small", "slug=big;name=Big;memory=4Gi"]) });
        const doc = render(c);
        assert.strictEqual(doc.auth.type, "cas");
        assert.strictEqual(doc.cull.timeoutSeconds, c.config.hub.cull.timeoutSeconds);
        const profiles = (doc.singleuser as { profiles: { slug: string; memLimitBytes?: number }[] }).profiles;
        assert.deepStrictEqual(
            profiles.map((p) => [p.slug, p.memLimitBytes]),
            [
                ["small", undefined],
                ["big", 4 * 2 ** 30],
            ],
        );
    });

    it("serializes stably; the checksum changes with the document", () => {
        const c = ctx();
        const a = hubDocumentJson(c, IMAGE);
        assert.strictEqual(a, hubDocumentJson(c, IMAGE));
        assert.ok(a.endsWith("}\n"));
        assert.notStrictEqual(checksum(a), checksum(hubDocumentJson(c, IMAGE.replace("b", "f"))));
        assert.match(checksum(a), /^[0-9a-f]{64}$/);
    });
});
