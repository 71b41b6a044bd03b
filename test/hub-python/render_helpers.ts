/**
 * Writes the VM-side home helpers exactly as cloud-init installs them (the files in
 * components/openstack/cloud-init/, and the VM's homes.env) into OUTDIR, so test/hub-python runs
 * the hub's pre-spawn hooks against the real scripts.
 *
 * Usage: ts-node --transpile-only test/hub-python/render_helpers.ts OUTDIR
 */
import * as fs from "fs";
import * as path from "path";
import { renderGlusterHomeScript, renderHomeProvisionScript, renderHomesEnv } from "../../components/openstack/scripts";
import { HOME_OWNER, HOMES_ROOT } from "../../components/openstack/dockerVmCloudInit";
import { renderProvisionerConfigMap } from "../../components/kubernetes/homesStorage";
import { HOMES_SOCKET } from "../../components/openstack/dockerVmCloudInit";
import { dockerSpawnerBlock } from "../../components/docker/render";
import { renderHubDocument, serializeHubDocument } from "../../components/hub/hubDocument";
import { hubDocumentJson } from "../../components/kubernetes/jupyterhub/hub/document";
import { platformConfig } from "../unit/fixtures/config";
import { ADDONS_OFF, NO_CAS, ctx } from "../unit/components/kubernetes/jupyterhub/fixtures";

const out = process.argv[2];
if (!out) {
    console.error("usage: render_helpers.ts OUTDIR");
    process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const write = (name: string, content: string) => fs.writeFileSync(path.join(out, name), content, { mode: 0o755 });
write("jhp-home-provision", renderHomeProvisionScript());
// The VM's settings (root, quota and owner are overridden per test through JHP_*, as test/real does).
fs.writeFileSync(path.join(out, "homes.env"), renderHomesEnv({ homesRoot: HOMES_ROOT, quotaBytes: 1073741824, owner: HOME_OWNER }));
write("jhp-gluster-home", renderGlusterHomeScript());
// The PV template of the ConfigMap `homes-provisioner` (namespace jupyterhub, 500Mi homes).
const cm = renderProvisionerConfigMap({
    namespace: "jupyterhub",
    homeSizeBytes: 524288000,
    hubDbSizeBytes: 1073741824,
    helperHosts: [],
    helperPort: 24100,
}).data as Record<string, string>;
fs.writeFileSync(path.join(out, "pv-template.json"), cm["pv-template.json"]);

// Hub config documents as the program renders them, for jupyterhub_config.py's wiring:
// the docker-vm hub (host homes + profiles, so the hooks are chained) ...
const vmConfig = platformConfig({
    topology: "docker-vm",
    "openstack.cloud": "unit",
    "openstack.externalNetwork": "public",
    "openstack.sshPublicKey": "ssh-ed25519 AAAA check",
    "openstack.adminCidrs": JSON.stringify(["192.0.2.0/24"]),
    "singleuser.profiles": JSON.stringify(["slug=small;name=Small;default=true", "slug=big;name=Big;memory=4G;cpu=2"]),
});
const image = "sha256:" + "0".repeat(64);
fs.writeFileSync(
    path.join(out, "doc-docker-vm.json"),
    serializeHubDocument(
        renderHubDocument(vmConfig, {
            singleuserImage: image,
            hubHost: "hub",
            proxyApiUrl: "http://proxy:8001",
            sqlitePath: "/tmp/jupyterhub.sqlite",
            docker: dockerSpawnerBlock(vmConfig, { root: HOMES_ROOT, socket: HOMES_SOCKET }),
        }),
    ),
);
// ... and the Kubernetes hub with the Gluster homes provisioner, as HubOnKubernetes renders it.
const kctx = ctx({ ...ADDONS_OFF, ...NO_CAS, "hub.auth.type": "dummy" }, { homesProvisioner: true });
fs.writeFileSync(path.join(out, "doc-kubernetes.json"), hubDocumentJson(kctx, image));
// ... and a CAS hub whose identity provider has a private CA (hub.auth.caBundle).
const casConfig = platformConfig({
    "hub.auth.type": "cas",
    "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
    "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
    "hub.auth.caBundle": fs.readFileSync(path.join(__dirname, "../unit/fixtures/test-ca.pem"), "utf8"),
});
fs.writeFileSync(path.join(out, "ca.pem"), casConfig.hub.auth.caBundle ?? "");
fs.writeFileSync(
    path.join(out, "doc-cas.json"),
    serializeHubDocument(
        renderHubDocument(casConfig, {
            singleuserImage: image,
            hubHost: "hub",
            proxyApiUrl: "http://proxy:8001",
            sqlitePath: "/tmp/jupyterhub.sqlite",
            docker: dockerSpawnerBlock(casConfig),
        }),
    ),
);
console.log(`rendered the home helpers, pv-template.json, the CA and three hub documents into ${out}`);
