import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import {
    PATHS,
    renderCertDeployScript,
    renderCertIssueScript,
    renderGlusterEnv,
    renderGlusterFormScript,
    renderGlusterHomeScript,
    renderGlusterMountScript,
    renderHomeProvisionScript,
    renderHomesEnv,
    renderKubeBootstrapScript,
    renderKubeEnv,
    renderPrepareVolumeScript,
    renderTlsEnv,
    shq,
    VM_SCRIPTS_DIR,
    vmScriptFile,
} from "../../../../components/openstack/scripts";
import { renderDockerVmUserData, HOMES_SOCKET, DOCKER_GID, DOCKER_DROP_IN } from "../../../../components/openstack/dockerVmCloudInit";
import {
    glusterReplica,
    renderControlPlaneUserData,
    renderStorageUserData,
    renderWorkerUserData,
} from "../../../../components/openstack/clusterCloudInit";

type Doc = {
    write_files: { path: string; content: string; permissions: string; owner: string }[];
    runcmd: (string | string[])[];
    packages?: string[];
};

function parse(userData: string): Doc {
    assert.ok(userData.startsWith("#cloud-config\n"), "user-data starts with #cloud-config");
    return YAML.parse(userData) as Doc;
}

const gluster = {
    volume: "homes",
    peers: ["10.20.0.5", "10.20.0.6", "10.20.0.7"],
    brickDir: "/data/glusterfs/homes/brick",
    replica: 3,
    quotaBytes: 1e9,
    adminMount: "/mnt/homes-admin",
    owner: "1000:100",
    hubDbDir: ".hub-db",
    hubDbOwner: "10001:10001",
};

describe("shell script renderers", () => {
    it("quotes values for the shell", () => {
        assert.strictEqual(shq("abc-1.2"), "abc-1.2");
        assert.strictEqual(shq("a b"), "'a b'");
        assert.strictEqual(shq("it's"), `'it'"'"'s'`);
    });
    it("prepare-volume waits by serial, formats only blank devices and mounts with nofail", () => {
        const s = renderPrepareVolumeScript();
        assert.ok(s.startsWith("#!/bin/bash\n"));
        assert.match(s, /serial="\$\{volume_id:0:20\}"/);
        assert.match(s, /blkid -p -o value -s TYPE/);
        assert.match(s, /refusing to touch it/);
        assert.match(s, /nofail/);
        assert.match(s, /btrfs quota enable/);
    });
    it("home helper reads quota, root and owner from homes.env (JHP_* override them) and validates names", () => {
        const s = renderHomeProvisionScript();
        assert.ok(s.includes(`env_file="\${JHP_HOMES_ENV:-${PATHS.homesEnv}}"`), "the VM's env file by default");
        assert.match(s, /homes_root="\$\{JHP_HOMES_ROOT:-\$\{HOMES_ROOT:-\}\}"/);
        assert.match(s, /quota="\$\{JHP_HOME_QUOTA:-\$\{QUOTA_BYTES:-\}\}"/);
        assert.match(s, /owner="\$\{JHP_HOME_OWNER:-\$\{OWNER:-\}\}"/);
        assert.match(s, /btrfs subvolume create/);
        assert.match(s, /btrfs qgroup limit "\$quota" "\$home"/);
        assert.match(s, /\^\[A-Za-z0-9\]\[A-Za-z0-9._-\]\{0,127\}\$/);
        const env = renderHomesEnv({ homesRoot: "/srv/homes", quotaBytes: 1073741824, owner: "1000:100" });
        assert.match(env, /^HOMES_ROOT=\/srv\/homes$/m);
        assert.match(env, /^QUOTA_BYTES=1073741824$/m);
        assert.match(env, /^OWNER=1000:100$/m);
        assert.throws(() => renderHomesEnv({ homesRoot: "/srv/homes", quotaBytes: 1.5, owner: "1000:100" }), /whole number/);
    });
    it("certbot issue uses standalone HTTP-01 on port 80 with the configured server and deploy hook", () => {
        const s = renderCertIssueScript();
        assert.match(s, /--standalone --preferred-challenges http --http-01-port 80/);
        assert.match(s, /--server "\$ACME_SERVER"/);
        assert.match(s, /--deploy-hook "\$deploy_hook"/);
        assert.match(s, /self-signed placeholder/);
        const env = renderTlsEnv({
            domain: "hub.example.org",
            email: "ops@example.org",
            acmeServer: "https://acme.example/dir",
            tlsDir: "/srv/jupyterhub/tls",
            proxyFilter: "label=x=proxy",
            keyOwner: "65534:65534",
        });
        assert.match(env, /^DOMAIN=hub.example.org$/m);
        assert.match(env, /^PROXY_FILTER=label=x=proxy$/m);
        assert.match(env, new RegExp(`^DEPLOY_HOOK=${PATHS.certDeploy}$`, "m"));
    });
    it("deploy hook installs atomically and restarts the proxy", () => {
        const s = renderCertDeployScript();
        assert.match(s, /RENEWED_LINEAGE/);
        assert.match(s, /mv -f "\$TLS_DIR\/.privkey.pem.new" "\$TLS_DIR\/privkey.pem"/);
        assert.match(s, /restart "\$id"/);
    });
    it("gluster form probes peers, creates the replicated volume once and enables quota", () => {
        const s = renderGlusterFormScript();
        assert.match(s, /gluster peer probe "\$peer"/);
        assert.match(s, /Peer in Cluster \(Connected\)/);
        assert.match(s, /volume create "\$VOLUME" "\$\{layout\[@\]\}" "\$\{bricks\[@\]\}"/);
        assert.match(s, /volume quota "\$VOLUME" enable/);
        assert.match(renderGlusterEnv(gluster), /^PEERS='10.20.0.5 10.20.0.6 10.20.0.7'$/m);
        // The form script creates the hub database directory with the hub's owner (found on the
        // real cluster: a root-owned hostPath directory crash-looped the hub).
        assert.match(renderGlusterEnv(gluster), /^HUB_DB_DIR=\.hub-db$/m);
        assert.match(renderGlusterEnv(gluster), /^HUB_DB_OWNER=10001:10001$/m);
    });
    it("kube bootstrap pins the version of kube.env and uses the minor's package repository", () => {
        const s = renderKubeBootstrapScript();
        assert.ok(s.includes(`env_file="\${JHP_KUBE_ENV:-${PATHS.kubeEnv}}"`), "the node's env file by default");
        assert.match(s, /"kubelet=\$k8s_version-\*" "kubeadm=\$k8s_version-\*" "kubectl=\$k8s_version-\*"/);
        assert.match(s, /pkgs.k8s.io\/core:\/stable:\/\$k8s_minor\/deb\//);
        assert.match(s, /kubeadm init --config \/etc\/kubernetes\/kubeadm\/init.yaml/);
        assert.strictEqual(
            renderKubeEnv({ version: "1.33.5" })
                .split("\n")
                .filter((l) => !l.startsWith("#"))
                .join("\n"),
            "K8S_VERSION=1.33.5\n",
        );
        assert.throws(() => renderKubeEnv({ version: "1.33" }), /x.y.z/);
    });
    it("home helper takes root, quota and owner from homes.env, JHP_* override them (run by bash, btrfs a logging stub)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jhp-homes-env-"));
        try {
            fs.mkdirSync(path.join(dir, "bin"));
            // Subvolumes are directories with a marker; every call is logged (as in test/hub-python).
            fs.writeFileSync(
                path.join(dir, "bin", "btrfs"),
                [
                    "#!/bin/bash",
                    'echo "$*" >>"$STUB_LOG"',
                    'case "$1 $2" in',
                    '"subvolume show") [ -f "$3/.stub" ] ;;',
                    '"subvolume create") mkdir "$3" && touch "$3/.stub" ;;',
                    '"subvolume delete") rm -rf "$4" ;;',
                    '"qgroup destroy") ;;',
                    '"qgroup limit") [ -f "$4/.stub" ] ;;',
                    "*) exit 1 ;;",
                    "esac",
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const script = path.join(dir, "jhp-home-provision");
            fs.writeFileSync(script, renderHomeProvisionScript(), { mode: 0o755 });
            const owner = `${process.getuid!()}:${process.getgid!()}`;
            const log = path.join(dir, "btrfs.log");
            const run = (args: string[], env: Record<string, string>) =>
                spawnSync(script, args, {
                    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, STUB_LOG: log, ...env },
                    encoding: "utf8",
                });
            fs.mkdirSync(path.join(dir, "homes"));
            fs.writeFileSync(path.join(dir, "homes.env"), renderHomesEnv({ homesRoot: path.join(dir, "homes"), quotaBytes: 4567, owner }));
            const fromFile = run(["alice"], { JHP_HOMES_ENV: path.join(dir, "homes.env") });
            assert.strictEqual(fromFile.stdout, "ok alice\n", fromFile.stderr);
            assert.ok(fs.readFileSync(log, "utf8").includes(`qgroup limit 4567 ${dir}/homes/alice\n`));
            fs.mkdirSync(path.join(dir, "other"));
            const overridden = run(["bob"], {
                JHP_HOMES_ENV: path.join(dir, "homes.env"),
                JHP_HOMES_ROOT: path.join(dir, "other"),
                JHP_HOME_QUOTA: "123",
            });
            assert.strictEqual(overridden.stdout, "ok bob\n", overridden.stderr);
            assert.ok(fs.readFileSync(log, "utf8").includes(`qgroup limit 123 ${dir}/other/bob\n`));
            // delete: subvolume and its qgroup go; a missing home is already deleted.
            const homesEnv = { JHP_HOMES_ENV: path.join(dir, "homes.env") };
            const input = (line: string) =>
                spawnSync(script, ["--stdin"], {
                    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, STUB_LOG: log, ...homesEnv },
                    input: `${line}\n`,
                    encoding: "utf8",
                });
            const deleted = input("delete alice");
            assert.strictEqual(deleted.stdout, "deleted alice\n", deleted.stderr);
            assert.ok(!fs.existsSync(path.join(dir, "homes", "alice")));
            assert.ok(fs.readFileSync(log, "utf8").includes(`subvolume delete --commit-after ${dir}/homes/alice\n`));
            assert.strictEqual(input("delete alice").stdout, "deleted alice\n");
            assert.strictEqual(input("delete ../etc").stdout, "error invalid user name\n");
            fs.mkdirSync(path.join(dir, "homes", "plain"));
            assert.strictEqual(input("delete plain").stdout, `error ${dir}/homes/plain exists and is not a subvolume\n`);
            const missing = run(["carol"], { JHP_HOMES_ENV: path.join(dir, "missing.env") });
            assert.strictEqual(missing.status, 1);
            assert.strictEqual(missing.stdout, `error cannot read ${dir}/missing.env\n`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    it("kube bootstrap derives the package version and repository from kube.env (run by bash)", function () {
        // The script's parameter section only: everything before it installs packages.
        const script = renderKubeBootstrapScript();
        const cut = script.indexOf("export DEBIAN_FRONTEND=noninteractive\n");
        assert.ok(cut > 0);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jhp-kube-env-"));
        try {
            const head = path.join(dir, "head.sh");
            fs.writeFileSync(head, script.slice(0, cut) + 'echo "$role $k8s_version $k8s_minor"\n');
            const run = (envText: string) => {
                fs.writeFileSync(path.join(dir, "kube.env"), envText);
                return spawnSync("bash", [head, "worker"], {
                    env: { ...process.env, JHP_KUBE_ENV: path.join(dir, "kube.env") },
                    encoding: "utf8",
                });
            };
            const ok = run(renderKubeEnv({ version: "1.33.5" }));
            assert.strictEqual(ok.status, 0, ok.stderr);
            assert.strictEqual(ok.stdout, "worker 1.33.5 v1.33\n");
            const bad = run("K8S_VERSION=1.33\n");
            assert.strictEqual(bad.status, 2);
            assert.match(bad.stderr, /must be x.y.z/);
            const missing = run("# nothing\n");
            assert.notStrictEqual(missing.status, 0);
            assert.match(missing.stderr, /K8S_VERSION missing/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("VM script files (components/openstack/cloud-init)", () => {
    const installed = Object.values(PATHS).filter((p) => p.startsWith("/usr/local/sbin/"));
    const readers: Record<string, () => string> = {
        [PATHS.prepareVolume]: renderPrepareVolumeScript,
        [PATHS.homeProvision]: renderHomeProvisionScript,
        [PATHS.certIssue]: renderCertIssueScript,
        [PATHS.certDeploy]: renderCertDeployScript,
        [PATHS.glusterForm]: renderGlusterFormScript,
        [PATHS.glusterHome]: renderGlusterHomeScript,
        [PATHS.glusterMount]: renderGlusterMountScript,
        [PATHS.kubeBootstrap]: renderKubeBootstrapScript,
    };
    it("one executable bash file per installed script and no other file", () => {
        assert.deepStrictEqual(Object.keys(readers).sort(), [...installed].sort());
        assert.deepStrictEqual(fs.readdirSync(VM_SCRIPTS_DIR).sort(), installed.map((p) => `${path.basename(p)}.sh`).sort());
        for (const p of installed) {
            const file = vmScriptFile(p);
            assert.ok(fs.statSync(file).mode & 0o100, `${file} is executable`);
            const text = readers[p]();
            assert.strictEqual(text, fs.readFileSync(file, "utf8"), `${p} is read from ${file}`);
            assert.ok(text.startsWith("#!/bin/bash\n# Managed by jupyterhub-platform: "), p);
            assert.ok(text.includes("\nset -euo pipefail\n"), p);
            execFileSync("bash", ["-n", file]);
        }
    });
    it("every path of the platform a script names is a PATHS entry", () => {
        const known = new Set<string>(Object.values(PATHS));
        for (const p of installed) {
            for (const m of readers[p]().matchAll(/\/(?:etc\/jupyterhub-platform|usr\/local\/sbin)\/[A-Za-z0-9._-]+/g)) {
                assert.ok(known.has(m[0]), `${p} names ${m[0]}, which PATHS does not define`);
            }
        }
    });
    it("user-data installs every script verbatim", () => {
        const pki = {
            caCert: "C",
            caKey: "K",
            frontProxyCaCert: "C",
            frontProxyCaKey: "K",
            etcdCaCert: "C",
            etcdCaKey: "K",
            saKey: "K",
            saPub: "P",
        };
        const tls = {
            mode: "letsencrypt" as const,
            domain: "h.example",
            email: "e@example.org",
            acmeServer: "https://a.example/dir",
            proxyFilter: "label=p",
        };
        const docs = [
            renderDockerVmUserData({ dockerVolumeId: "d", homeVolumeId: "h", homeQuotaBytes: 1e9, tls }),
            renderControlPlaneUserData({ version: "1.33.5", kubeadmConfig: "k", first: true, pki }),
            renderWorkerUserData({ version: "1.33.5", joinConfig: "j", gluster }),
            renderStorageUserData({ index: 0, brickVolumeId: "b", gluster, homesToken: "t" }),
        ].map(parse);
        const seen = new Set<string>();
        for (const doc of docs) {
            for (const f of doc.write_files.filter((w) => w.content.startsWith("#!"))) {
                assert.strictEqual(f.content, fs.readFileSync(vmScriptFile(f.path), "utf8"), f.path);
                assert.strictEqual(f.permissions, "0755", f.path);
                seen.add(f.path);
            }
        }
        assert.deepStrictEqual([...seen].sort(), [...installed].sort(), "the four roles together install every script");
    });
});

describe("docker VM user-data", () => {
    const base = { dockerVolumeId: "1111111111111111111111-docker", homeVolumeId: "2222222222222222222222-home", homeQuotaBytes: 1e9 };
    it("prepares volumes before installing Docker and starts the home socket", () => {
        const doc = parse(renderDockerVmUserData({ ...base, tls: { mode: "none" } }));
        const cmds = doc.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));
        const dockerVol = cmds.findIndex((c) => c.includes("/var/lib/docker docker"));
        const homeVol = cmds.findIndex((c) => c.includes(`${base.homeVolumeId} btrfs /srv/homes homes`));
        const install = cmds.findIndex((c) => c.includes("apt-get install -y docker.io"));
        const group = cmds.findIndex((c) => c.includes(`groupadd --gid ${DOCKER_GID} docker`));
        assert.ok(dockerVol >= 0 && homeVol > dockerVol && group > homeVol && install > group, cmds.join("\n"));
        assert.ok(cmds.some((c) => c.includes("jhp-homes.socket")));
        const socket = doc.write_files.find((f) => f.path === "/etc/systemd/system/jhp-homes.socket");
        assert.ok(socket?.content.includes(`ListenStream=${HOMES_SOCKET}`));
        const dropIn = doc.write_files.find((f) => f.path === DOCKER_DROP_IN);
        assert.match(dropIn!.content, /RequiresMountsFor=\/var\/lib\/docker \/srv\/homes/);
        // Docker (and the hub it restarts) only after the socket that makes the hub's bind source.
        assert.match(dropIn!.content, /^Wants=jhp-homes\.socket$/m);
        assert.match(dropIn!.content, /^After=jhp-homes\.socket$/m);
        assert.ok(!doc.write_files.some((f) => f.path === PATHS.certIssue), "no certbot without letsencrypt");
    });
    it("names the admin user as cloud-init's default user, so Debian images (default user `debian`) get `ubuntu` too", () => {
        const doc = parse(renderDockerVmUserData({ ...base, tls: { mode: "none" } })) as unknown as {
            user: { name: string; ssh_authorized_keys?: string[] };
            runcmd: string[][];
        };
        assert.deepStrictEqual(doc.user, { name: "ubuntu" }, "no keys of its own: the cloud's key pair reaches the default user");
        assert.ok(doc.runcmd.some((c) => c.join(" ") === "usermod -aG docker ubuntu"));
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIxhuyPpNG3m+Y9Pmb5p0JHu7NFhYHuDHv9pQdm3nxj8 ops@example.org";
        const existing = parse(
            renderDockerVmUserData({ ...base, adminUser: "admin", sshAuthorizedKeys: [key], tls: { mode: "none" } }),
        ) as unknown as {
            user: { name: string; ssh_authorized_keys?: string[] };
            runcmd: string[][];
        };
        assert.deepStrictEqual(existing.user, { name: "admin", ssh_authorized_keys: [key] });
        assert.ok(existing.runcmd.some((c) => c.join(" ") === "usermod -aG docker admin"));
        assert.throws(() => renderDockerVmUserData({ ...base, adminUser: "root; rm", tls: { mode: "none" } }), /plain user name/);
    });
    it("writes the home helper's homes.env with the configured quota before the helper", () => {
        const doc = parse(renderDockerVmUserData({ ...base, homeQuotaBytes: 2147483648, tls: { mode: "none" } }));
        const paths = doc.write_files.map((f) => f.path);
        const env = doc.write_files.find((f) => f.path === PATHS.homesEnv)!;
        assert.strictEqual(env.content, renderHomesEnv({ homesRoot: "/srv/homes", quotaBytes: 2147483648, owner: "1000:100" }));
        assert.match(env.content, /^QUOTA_BYTES=2147483648$/m);
        assert.strictEqual(env.permissions, "0644");
        assert.ok(paths.indexOf(PATHS.homesEnv) < paths.indexOf(PATHS.homeProvision));
    });
    it("adds certbot, its timer and deploy hook for letsencrypt", () => {
        const doc = parse(
            renderDockerVmUserData({
                ...base,
                tls: {
                    mode: "letsencrypt",
                    domain: "hub.example.org",
                    email: "ops@example.org",
                    acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory",
                    proxyFilter: "label=p",
                },
            }),
        );
        assert.ok(doc.packages?.includes("certbot"));
        for (const p of [PATHS.certIssue, PATHS.certDeploy, PATHS.tlsEnv, "/etc/systemd/system/jhp-cert-issue.timer"]) {
            assert.ok(
                doc.write_files.some((f) => f.path === p),
                p,
            );
        }
        const env = doc.write_files.find((f) => f.path === PATHS.tlsEnv)!.content;
        assert.match(env, /ACME_SERVER=https:\/\/acme-staging-v02.api.letsencrypt.org\/directory/);
        assert.match(env, /KEY_OWNER=65534:65534/);
        assert.ok(doc.runcmd.some((c) => Array.isArray(c) && c.includes("certbot.timer")));
    });
    it("writes a manual certificate and key readable by the proxy user", () => {
        const doc = parse(renderDockerVmUserData({ ...base, tls: { mode: "manual", certificate: "CERT\n", key: "KEY\n" } }));
        const key = doc.write_files.find((f) => f.path.endsWith("privkey.pem"))!;
        assert.strictEqual(key.permissions, "0600");
        assert.strictEqual(key.owner, "nobody:nogroup");
    });
});

describe("cluster user-data", () => {
    const pki = {
        caCert: "CA",
        caKey: "CAKEY",
        frontProxyCaCert: "FP",
        frontProxyCaKey: "FPKEY",
        etcdCaCert: "E",
        etcdCaKey: "EKEY",
        saKey: "SA",
        saPub: "SAPUB",
    };
    it("control planes get the shared PKI under /etc/kubernetes/pki with private keys 0600", () => {
        const doc = parse(renderControlPlaneUserData({ version: "1.33.5", kubeadmConfig: "kind: InitConfiguration\n", first: true, pki }));
        const byPath = new Map(doc.write_files.map((f) => [f.path, f]));
        for (const k of ["ca.key", "front-proxy-ca.key", "etcd/ca.key", "sa.key"]) {
            assert.strictEqual(byPath.get(`/etc/kubernetes/pki/${k}`)?.permissions, "0600", k);
        }
        assert.strictEqual(byPath.get("/etc/kubernetes/pki/ca.crt")?.content, "CA");
        assert.ok(byPath.has("/etc/kubernetes/kubeadm/init.yaml"));
        assert.deepStrictEqual(doc.runcmd, [[PATHS.kubeBootstrap, "init"]]);
        const joining = parse(
            renderControlPlaneUserData({ version: "1.33.5", kubeadmConfig: "kind: JoinConfiguration\n", first: false, pki }),
        );
        assert.deepStrictEqual(joining.runcmd, [[PATHS.kubeBootstrap, "control-plane"]]);
        for (const d of [doc, joining]) {
            assert.strictEqual(d.write_files.find((f) => f.path === PATHS.kubeEnv)?.content, renderKubeEnv({ version: "1.33.5" }));
        }
    });
    it("workers join and mount the Gluster volume", () => {
        const doc = parse(renderWorkerUserData({ version: "1.33.5", joinConfig: "kind: JoinConfiguration\n", gluster }));
        assert.deepStrictEqual(doc.runcmd, [
            [PATHS.kubeBootstrap, "worker"],
            [PATHS.glusterMount, "/mnt/homes"],
        ]);
        assert.ok(doc.packages?.includes("glusterfs-client"));
        assert.ok(!doc.write_files.some((f) => f.path.includes("/pki/")), "workers get no CA key");
        assert.match(doc.write_files.find((f) => f.path === PATHS.kubeEnv)!.content, /^K8S_VERSION=1.33.5$/m);
    });
    it("only the first storage node forms the volume; every node serves the home helper", () => {
        const first = parse(renderStorageUserData({ index: 0, brickVolumeId: "vol-brick-0", gluster, homesToken: "t0k3n" }));
        const second = parse(renderStorageUserData({ index: 1, brickVolumeId: "vol-brick-1", gluster, homesToken: "t0k3n" }));
        const flat = (d: Doc) => d.runcmd.map((c) => (Array.isArray(c) ? c.join(" ") : c));
        assert.ok(flat(first).includes(PATHS.glusterForm));
        assert.ok(!flat(second).includes(PATHS.glusterForm));
        assert.ok(flat(second).some((c) => c.startsWith(`${PATHS.prepareVolume} vol-brick-1 xfs`)));
        const token = first.write_files.find((f) => f.path === PATHS.homesToken)!;
        assert.strictEqual(token.permissions, "0600");
    });
    it("replica count follows the number of storage nodes", () => {
        assert.strictEqual(glusterReplica(1), 1);
        assert.strictEqual(glusterReplica(3), 3);
        assert.strictEqual(glusterReplica(6), 3);
        assert.throws(() => glusterReplica(2), /multiple of 3/);
    });
});
