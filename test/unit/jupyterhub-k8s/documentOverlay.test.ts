import * as assert from "assert";
import { checksum, hubDocumentJson, overlayHubDocument } from "../../../components/kubernetes/jupyterhub/hub/documentOverlay";
import { ADDONS_OFF, ctx, hubDocument, IMAGES } from "./fixtures";

const IMAGE = IMAGES.singleuser as string;

describe("jupyterhub-k8s config document overlay", () => {
    it("writes this deployment's addresses: hub Service, proxy-api, the sqlite file on the PVC", () => {
        const c = ctx();
        const doc = overlayHubDocument(c, hubDocument(c), IMAGE) as Record<string, Record<string, unknown>>;
        assert.strictEqual(doc.hub.bindUrl, "http://0.0.0.0:8081");
        assert.strictEqual(doc.hub.connectUrl, "http://hub:8081");
        assert.strictEqual(doc.hub.dbUrl, "sqlite:////srv/jupyterhub/data/jupyterhub.sqlite");
        assert.strictEqual(doc.proxy.apiUrl, "http://proxy-api:8001");
    });

    it("external database: dbUrl null, so the hub reads PLATFORM_DB_URL(_FILE)", () => {
        const c = ctx({ "hub.db.type": "external", "hub.db.url": "postgresql://hub:pw@db/jupyterhub" });
        const doc = overlayHubDocument(c, hubDocument(c), IMAGE) as Record<string, Record<string, unknown>>;
        assert.strictEqual(doc.hub.dbUrl, null);
        assert.ok(!JSON.stringify(doc).includes("pw@db"));
    });

    it("pins the single-user image to the one the puller pre-pulls", () => {
        const c = ctx();
        const doc = overlayHubDocument(c, hubDocument(c), IMAGE) as Record<string, Record<string, unknown>>;
        assert.strictEqual(doc.singleuser.image, IMAGE);
    });

    it("sets the KubeSpawner block's namespace, user node selector, labels, scheduler and priority", () => {
        const c = ctx({ "kubernetes.userNodeSelector": JSON.stringify(["hub.jupyter.org/node-purpose=user"]) });
        const k = (overlayHubDocument(c, hubDocument(c), IMAGE) as Record<string, Record<string, unknown>>).kubernetes;
        assert.strictEqual(k.namespace, "jupyterhub");
        assert.deepStrictEqual(k.nodeSelector, { "hub.jupyter.org/node-purpose": "user" });
        assert.deepStrictEqual(k.labels, {
            "caller-label": "kept",
            app: "jupyterhub",
            release: "jupyterhub",
            heritage: "jupyterhub",
            "hub.jupyter.org/network-access-hub": "true",
        });
        assert.strictEqual(k.schedulerName, "jupyterhub-user-scheduler");
        assert.strictEqual(k.priorityClassName, "jupyterhub-default-priority");
        // The rest of the caller's block stays.
        assert.strictEqual(k.homePvcTemplate, "claim-{username}");
        assert.strictEqual(k.storageClass, "gluster-homes");
    });

    it("no user scheduler and no placeholders: schedulerName and priorityClassName null", () => {
        const c = ctx(ADDONS_OFF);
        const k = (overlayHubDocument(c, hubDocument(c), IMAGE) as Record<string, Record<string, unknown>>).kubernetes;
        assert.strictEqual(k.schedulerName, null);
        assert.strictEqual(k.priorityClassName, null);
    });

    it("keeps everything else of the caller's document (auth, profiles, culling)", () => {
        const c = ctx({ "singleuser.profiles": JSON.stringify(["slug=small;name=Small", "slug=big;name=Big;memory=4Gi"]) });
        const original = hubDocument(c);
        const doc = overlayHubDocument(c, original, IMAGE);
        for (const key of ["auth", "cull", "templates", "schemaVersion", "topology", "spawner"]) {
            assert.deepStrictEqual(doc[key], original[key], key);
        }
        const profiles = (doc.singleuser as { profiles: { slug: string; memLimitBytes?: number }[] }).profiles;
        assert.deepStrictEqual(
            profiles.map((p) => [p.slug, p.memLimitBytes]),
            [
                ["small", undefined],
                ["big", 4 * 2 ** 30],
            ],
        );
    });

    it("refuses a document made for DockerSpawner", () => {
        const c = ctx();
        assert.throws(
            () => overlayHubDocument(c, { ...hubDocument(c), spawner: "docker", kubernetes: null }, IMAGE),
            /spawner "kubernetes"/,
        );
    });

    it("serializes stably; the checksum changes with the document", () => {
        const c = ctx();
        const a = hubDocumentJson(c, hubDocument(c), IMAGE);
        assert.strictEqual(a, hubDocumentJson(c, hubDocument(c), IMAGE));
        assert.ok(a.endsWith("}\n"));
        assert.notStrictEqual(checksum(a), checksum(hubDocumentJson(c, hubDocument(c), IMAGE.replace("b", "f"))));
        assert.match(checksum(a), /^[0-9a-f]{64}$/);
    });
});
