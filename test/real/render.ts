/**
 * Renders every artifact the real checks run tools on, from the same pure functions the program
 * uses, with sample config: cloud-init user-data variants, the shell scripts and environment files
 * embedded in them, kubeadm configurations and the Kubernetes objects.
 * Usage: ts-node test/real/render.ts OUTDIR
 *
 * Every script in the user-data must be a file of components/openstack/cloud-init/ installed
 * verbatim (shellcheck runs on those files with the rest of the repository); rendering fails
 * otherwise.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { renderDockerVmUserData } from "../../components/openstack/dockerVmCloudInit";
import { renderControlPlaneUserData, renderStorageUserData, renderWorkerUserData } from "../../components/openstack/clusterCloudInit";
import { PATHS, renderHomesEnv, renderTlsEnv, vmScriptFile } from "../../components/openstack/scripts";
import { HOME_OWNER, HOMES_ROOT, PROXY_KEY_OWNER, TLS_DIR } from "../../components/openstack/dockerVmCloudInit";
import { caCertHash, renderInitConfig, renderJoinConfig } from "../../components/kubeadm/kubeadmConfig";
import { renderCalicoInstallation } from "../../components/kubernetes/calico";
import {
    renderHubDbPv,
    renderNamespace,
    renderProvisionerConfigMap,
    renderProvisionerRbac,
    renderProvisionerSecret,
    renderStorageClass,
    renderUserHomePv,
} from "../../components/kubernetes/homesStorage";

const out = process.argv[2];
if (!out) {
    console.error("usage: render.ts OUTDIR");
    process.exit(2);
}
for (const d of ["userdata", "scripts", "kubeadm", "k8s"]) {
    fs.mkdirSync(path.join(out, d), { recursive: true });
}
const write = (rel: string, content: string) =>
    fs.writeFileSync(path.join(out, rel), content, { mode: rel.endsWith(".sh") ? 0o755 : 0o644 });

const pem = (type: "pkcs1" | "spki", key: crypto.KeyObject) =>
    key.export({ type, format: "pem" } as crypto.KeyExportOptions<"pem">).toString();
const ca = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const hash = caCertHash(pem("spki", ca.publicKey));
const token = "abcdef.0123456789abcdef";
const version = process.env.JHP_K8S_VERSION ?? "1.33.5";
const pki = {
    caCert: "-----BEGIN CERTIFICATE-----\nsample\n-----END CERTIFICATE-----\n",
    caKey: pem("pkcs1", ca.privateKey),
    frontProxyCaCert: "-----BEGIN CERTIFICATE-----\nsample\n-----END CERTIFICATE-----\n",
    frontProxyCaKey: pem("pkcs1", ca.privateKey),
    etcdCaCert: "-----BEGIN CERTIFICATE-----\nsample\n-----END CERTIFICATE-----\n",
    etcdCaKey: pem("pkcs1", ca.privateKey),
    saKey: pem("pkcs1", ca.privateKey),
    saPub: pem("spki", ca.publicKey),
};
const gluster = {
    volume: "homes",
    peers: ["10.20.0.21", "10.20.0.22", "10.20.0.23"],
    brickDir: "/data/glusterfs/homes/brick",
    replica: 3,
    quotaBytes: 1_000_000_000,
    adminMount: "/mnt/homes-admin",
    owner: "1000:100",
    hubDbDir: ".hub-db",
    hubDbOwner: "10001:10001",
};
const vol = (n: string) => `${n}0000000-1111-2222-3333-444444444444`.slice(0, 36);

const init = renderInitConfig({
    version,
    clusterName: "jupyterhub-platform-prod",
    podCidr: "192.168.0.0/16",
    serviceCidr: "10.96.0.0/12",
    controlPlaneEndpoint: "10.20.0.11:6443",
    certSans: ["203.0.113.10", "10.20.0.11"],
    token,
    advertiseAddress: "10.20.0.11",
});
const joinWorker = renderJoinConfig({ token, caCertHash: hash, apiServerEndpoint: "10.20.0.11:6443" });
const joinCp = renderJoinConfig({ token, caCertHash: hash, apiServerEndpoint: "10.20.0.11:6443", controlPlaneAddress: "10.20.0.12" });
write("kubeadm/init.yaml", init);
write("kubeadm/join-worker.yaml", joinWorker);
write("kubeadm/join-control-plane.yaml", joinCp);

const base = { dockerVolumeId: vol("d"), homeVolumeId: vol("h"), homeQuotaBytes: 1_000_000_000 };
const userData: Record<string, string> = {
    "docker-vm-plain": renderDockerVmUserData({ ...base, tls: { mode: "none" } }),
    "docker-vm-letsencrypt": renderDockerVmUserData({
        ...base,
        tls: {
            mode: "letsencrypt",
            domain: "hub.example.org",
            email: "ops@example.org",
            acmeServer: "https://acme-v02.api.letsencrypt.org/directory",
            proxyFilter: "label=org.jupyterhub-platform.role=proxy",
        },
    }),
    "docker-vm-manual-tls": renderDockerVmUserData({ ...base, tls: { mode: "manual", certificate: pki.caCert, key: pki.caKey } }),
    "control-plane-init": renderControlPlaneUserData({ version, kubeadmConfig: init, first: true, pki }),
    "control-plane-join": renderControlPlaneUserData({ version, kubeadmConfig: joinCp, first: false, pki }),
    worker: renderWorkerUserData({ version, joinConfig: joinWorker, gluster }),
    "storage-first": renderStorageUserData({ index: 0, brickVolumeId: vol("b0"), gluster, homesToken: "sampletoken" }),
    "storage-other": renderStorageUserData({ index: 1, brickVolumeId: vol("b1"), gluster, homesToken: "sampletoken" }),
    "storage-single": renderStorageUserData({
        index: 0,
        brickVolumeId: vol("b0"),
        gluster: { ...gluster, peers: ["10.20.0.21"], replica: 1 },
        homesToken: "sampletoken",
    }),
};
type WriteFile = { path: string; content: string };
const scripts = new Map<string, string>();
for (const [name, content] of Object.entries(userData)) {
    write(`userdata/${name}.yaml`, content);
    const doc = YAML.parse(content) as { write_files?: WriteFile[] };
    for (const f of doc.write_files ?? []) {
        if (!f.content.startsWith("#!")) {
            continue;
        }
        const source = vmScriptFile(f.path);
        if (!fs.existsSync(source) || fs.readFileSync(source, "utf8") !== f.content) {
            throw new Error(`${name}: ${f.path} is not ${path.relative(process.cwd(), source)} verbatim`);
        }
        scripts.set(f.path, f.content);
    }
}

/** An environment file of a user-data variant, checked against its renderer's output. */
function envFile(variant: string, installPath: string, expected: string): string {
    const doc = YAML.parse(userData[variant]) as { write_files: WriteFile[] };
    const content = doc.write_files.find((f) => f.path === installPath)?.content;
    if (content !== expected) {
        throw new Error(`${installPath} in ${variant} differs from its renderer`);
    }
    return content;
}
write(
    "tls.env",
    envFile(
        "docker-vm-letsencrypt",
        PATHS.tlsEnv,
        renderTlsEnv({
            domain: "hub.example.org",
            email: "ops@example.org",
            acmeServer: "https://acme-v02.api.letsencrypt.org/directory",
            tlsDir: TLS_DIR,
            proxyFilter: "label=org.jupyterhub-platform.role=proxy",
            keyOwner: PROXY_KEY_OWNER,
        }),
    ),
);
write(
    "homes.env",
    envFile(
        "docker-vm-plain",
        PATHS.homesEnv,
        renderHomesEnv({ homesRoot: HOMES_ROOT, quotaBytes: base.homeQuotaBytes, owner: HOME_OWNER }),
    ),
);
// The checks run these copies: the bytes cloud-init writes (identical to the repository's files).
for (const [p, content] of scripts) {
    write(`scripts/${path.basename(p)}.sh`, content);
}

const homes = {
    namespace: "jupyterhub",
    homeSizeBytes: 524_288_000,
    hubDbSizeBytes: 1_073_741_824,
    helperHosts: gluster.peers,
    helperPort: 24100,
};
const objects = [
    renderNamespace(homes),
    renderStorageClass(),
    renderHubDbPv(homes),
    renderUserHomePv(homes, "alice"),
    ...renderProvisionerRbac(homes),
    renderProvisionerConfigMap(homes),
    renderProvisionerSecret(homes, "sampletoken"),
];
objects.forEach((o, i) =>
    write(`k8s/${String(i).padStart(2, "0")}-${o.kind.toLowerCase()}-${o.metadata.name}.json`, JSON.stringify(o, null, 2)),
);
fs.mkdirSync(path.join(out, "crd"), { recursive: true });
fs.writeFileSync(
    path.join(out, "crd", "calico-installation.json"),
    JSON.stringify(renderCalicoInstallation({ mode: "vxlan", podCidr: "192.168.0.0/16", nodeCidr: "10.20.0.0/24" }), null, 2),
);
console.log(
    `rendered ${Object.keys(userData).length} user-data, ${scripts.size} scripts, 3 kubeadm configs, ${objects.length} Kubernetes objects into ${out}`,
);
