import * as assert from "assert";
import { HUB_SECRET_ENV } from "../../../../components/hub/contract";
import { renderHubDocument, serializeHubDocument, type HubDocumentTarget } from "../../../../components/hub/hubDocument";
import { requiredHubSecrets } from "../../../../components/hub/secrets";
import { dockerSpawnerBlock } from "../../../../components/docker/render";
import type { HubTopologyConfig } from "../../../../config/types";
import { prodConfig } from "../../fixtures/platformMocks";
import { platformConfig } from "../../fixtures/config";

function dockerTarget(config: HubTopologyConfig): HubDocumentTarget {
    return {
        singleuserImage: "sha256:" + "a".repeat(64),
        hubHost: "jupyterhub-unit-hub",
        proxyApiUrl: "http://jupyterhub-unit-proxy:8001",
        sqlitePath: "/srv/jupyterhub/data/jupyterhub.sqlite",
        docker: dockerSpawnerBlock(config),
    };
}

describe("hub document", () => {
    it("renders the local defaults for DockerSpawner with the idle culler", () => {
        const config = platformConfig();
        const doc = renderHubDocument(config, dockerTarget(config));
        assert.strictEqual(doc.schemaVersion, 1);
        assert.strictEqual(doc.spawner, "docker");
        assert.strictEqual(doc.kubernetes, null);
        assert.strictEqual(doc.hub.connectUrl, "http://jupyterhub-unit-hub:8081");
        assert.strictEqual(doc.hub.bindUrl, "http://0.0.0.0:8081");
        assert.strictEqual(doc.hub.dbUrl, "sqlite:////srv/jupyterhub/data/jupyterhub.sqlite");
        assert.strictEqual(doc.hub.publicUrl, null, "local hubs answer on any loopback name");
        assert.strictEqual(doc.auth.type, "dummy");
        assert.deepStrictEqual(doc.cull, { enabled: true, timeoutSeconds: 3600, everySeconds: 300, maxAgeSeconds: 0 });
        assert.strictEqual(doc.singleuser.memLimitBytes, 2_000_000_000);
        assert.strictEqual(doc.singleuser.cpuLimit, 1);
        assert.deepStrictEqual(doc.singleuser.cmd, ["jupyterhub-singleuser"]);
        assert.strictEqual(doc.docker?.homeVolumeTemplate, "jupyterhub-unit-home-{username}");
        assert.strictEqual(doc.docker?.network, "jupyterhub-unit-net");
        assert.strictEqual(doc.templates.pageTitle, "JupyterHub");
    });

    it("carries limits, cull settings, shared volumes, git and profiles from config", () => {
        const config = platformConfig({
            "singleuser.memory.limit": "512Mi",
            "singleuser.cpu.limit": "500m",
            "hub.cull.timeout": "60",
            "hub.cull.every": "10",
            "hub.pageTitle": "Physics 101",
            "singleuser.sharedVolumes": JSON.stringify(["software:/opt/software"]),
            "singleuser.gitRepository": "https://git.example.org/course.git",
            "singleuser.postStartCommand": "echo hi",
            "singleuser.profiles": JSON.stringify(["slug=big;name=Big;memory=4G;cpu=2;default=true", "slug=small;name=Small"]),
        });
        const doc = renderHubDocument(config, dockerTarget(config));
        assert.strictEqual(doc.singleuser.memLimitBytes, 512 * 1024 * 1024);
        assert.strictEqual(doc.singleuser.cpuLimit, 0.5);
        assert.strictEqual(doc.cull.timeoutSeconds, 60);
        assert.strictEqual(doc.cull.everySeconds, 10);
        assert.strictEqual(doc.templates.pageTitle, "Physics 101");
        assert.deepStrictEqual(doc.docker?.sharedVolumes, [{ name: "software", mountPath: "/opt/software" }]);
        assert.strictEqual(doc.singleuser.gitRepository, "https://git.example.org/course.git");
        assert.strictEqual(doc.singleuser.postStartCommand, "echo hi");
        assert.deepStrictEqual(
            doc.singleuser.profiles.map((p) => [p.slug, p.default, p.memLimitBytes, p.cpuLimit]),
            [
                ["big", true, 4_000_000_000, 2],
                ["small", false, undefined, undefined],
            ],
        );
    });

    it("renders the KubeSpawner block for kubernetes and no docker block", () => {
        const config = prodConfig();
        const doc = renderHubDocument(config, {
            singleuserImage: "registry.example.org/jupyter/singleuser@sha256:" + "b".repeat(64),
            hubHost: "hub",
            proxyApiUrl: "http://proxy-api:8001",
            sqlitePath: "/srv/jupyterhub/data/jupyterhub.sqlite",
            kubernetes: {
                namespace: "jupyterhub",
                homePvcTemplate: "claim-{username}",
                homeSizeBytes: 500 * 1024 * 1024,
                storageAccessModes: ["ReadWriteOnce"],
                sharedVolumes: [],
                nodeSelector: {},
                labels: {},
                imagePullPolicy: "IfNotPresent",
            },
        });
        assert.strictEqual(doc.spawner, "kubernetes");
        assert.strictEqual(doc.docker, null);
        assert.strictEqual(doc.kubernetes?.homePvcTemplate, "claim-{username}");
        assert.throws(() => renderHubDocument(config, dockerTarget(config)), /kubernetes block/);
    });

    it("refuses a docker topology without a docker block", () => {
        const config = platformConfig();
        assert.throws(() => renderHubDocument(config, { ...dockerTarget(config), docker: undefined }), /docker block/);
    });

    it("renders OAuth, CAS and LDAP settings without their secrets", () => {
        const oauth = platformConfig(
            {
                topology: "docker-vm",
                "hub.domain": "hub.example.org",
                "hub.auth.type": "github",
                "hub.auth.oauth.clientId": "abc",
                "hub.auth.oauth.clientSecret": "very-secret-oauth",
                "hub.allowedGroups": JSON.stringify(["physics"]),
                "openstack.cloud": "mycloud",
                "openstack.externalNetwork": "public",
                "openstack.sshPublicKey": "ssh-ed25519 AAAA test",
                "openstack.adminCidrs": JSON.stringify(["192.0.2.0/24"]),
            },
            { secretKeys: ["hub.auth.oauth.clientSecret"] },
        );
        const doc = renderHubDocument(oauth, dockerTarget(oauth));
        assert.strictEqual(doc.auth.oauth?.clientId, "abc");
        assert.strictEqual(doc.auth.oauth?.callbackUrl, `${oauth.hub.publicUrl}/hub/oauth_callback`);
        assert.match(oauth.hub.publicUrl, /^http:\/\/hub\.example\.org/);
        assert.strictEqual(doc.hub.publicUrl, oauth.hub.publicUrl, "a hub with a domain pins its public URL");
        const text = serializeHubDocument(doc);
        assert.ok(!text.includes("very-secret-oauth"), "client secret must not be in the document");
        assert.deepStrictEqual(requiredHubSecrets(oauth), ["cookieSecret", "proxyToken", "cryptKey", "oauthClientSecret"]);
    });

    it("keeps the dummy password out of the document and asks for it as a secret", () => {
        const config = platformConfig({ "hub.auth.dummyPassword": "hunter2-dummy" }, { secretKeys: ["hub.auth.dummyPassword"] });
        const text = serializeHubDocument(renderHubDocument(config, dockerTarget(config)));
        assert.ok(!text.includes("hunter2-dummy"));
        assert.ok(requiredHubSecrets(config).includes("dummyPassword"));
        assert.strictEqual(HUB_SECRET_ENV.dummyPassword, "PLATFORM_DUMMY_PASSWORD");
    });

    it("lists hub.services with their scopes and roles but never their tokens; the tokens are a hub secret", () => {
        const token = "svc-token-0123456789abcdef0123456789";
        const config = platformConfig(
            {
                "hub.services": JSON.stringify(["name=health;scopes=admin:users,admin:servers,access:servers", "name=grader;roles=user"]),
                "hub.serviceTokens": JSON.stringify({ health: token, grader: token + "-grader" }),
            },
            { secretKeys: ["hub.serviceTokens"] },
        );
        const doc = renderHubDocument(config, dockerTarget(config));
        assert.deepStrictEqual(doc.hub.services, [
            { name: "health", scopes: ["admin:users", "admin:servers", "access:servers"], roles: [] },
            { name: "grader", scopes: [], roles: ["user"] },
        ]);
        assert.ok(!serializeHubDocument(doc).includes(token), "a service token must not be in the document");
        assert.ok(requiredHubSecrets(config).includes("serviceTokens"));
        assert.strictEqual(HUB_SECRET_ENV.serviceTokens, "PLATFORM_SERVICE_TOKENS");
        const plain = platformConfig();
        assert.strictEqual(
            renderHubDocument(plain, dockerTarget(plain)).hub.services,
            undefined,
            "no services: no key (documents of existing stacks stay as they were)",
        );
        assert.ok(!requiredHubSecrets(plain).includes("serviceTokens"));
    });

    it("serializes deterministically with a trailing newline", () => {
        const config = platformConfig();
        const a = serializeHubDocument(renderHubDocument(config, dockerTarget(config)));
        const b = serializeHubDocument(renderHubDocument(config, dockerTarget(config)));
        assert.strictEqual(a, b);
        assert.ok(a.endsWith("}\n"));
        assert.deepStrictEqual(JSON.parse(a).schemaVersion, 1);
    });
});
