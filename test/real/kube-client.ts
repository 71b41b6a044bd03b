/**
 * The Kubernetes side of the real checks, against a real kube-apiserver started by
 * test/real/checks/kube.sh:
 *   wait URL CA CERT KEY TIMEOUT   -> the program's waitForApiServer (exit 0 when ready)
 *   create URL CA CERT KEY FILE... -> POST each rendered object (exit 1 on any refusal)
 *   post URL CA CERT KEY PATH FILE -> POST one raw object to PATH, print status and message
 */
import * as fs from "fs";
import * as https from "https";
import { waitForApiServer } from "../../components/kubeadm/apiServerReady";

interface Obj {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
}

const CLUSTER_SCOPED: Record<string, string> = {
    Namespace: "namespaces",
    PersistentVolume: "persistentvolumes",
    StorageClass: "storageclasses",
    ClusterRole: "clusterroles",
    ClusterRoleBinding: "clusterrolebindings",
};
const NAMESPACED: Record<string, string> = {
    ServiceAccount: "serviceaccounts",
    ConfigMap: "configmaps",
    Secret: "secrets",
    Pod: "pods",
    PersistentVolumeClaim: "persistentvolumeclaims",
};

function collection(o: Obj): string {
    const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    if (CLUSTER_SCOPED[o.kind]) {
        return `${base}/${CLUSTER_SCOPED[o.kind]}`;
    }
    if (NAMESPACED[o.kind] && o.metadata.namespace) {
        return `${base}/namespaces/${o.metadata.namespace}/${NAMESPACED[o.kind]}`;
    }
    throw new Error(`no REST path for ${o.kind}`);
}

function post(
    url: string,
    tls: { ca: string; cert: string; key: string },
    path: string,
    body: string,
): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const u = new URL(path, url);
        const req = https.request(
            {
                method: "POST",
                hostname: u.hostname,
                port: u.port,
                path: u.pathname + u.search,
                ...tls,
                headers: { "content-type": "application/json" },
                timeout: 20000,
            },
            (res) => {
                let data = "";
                res.on("data", (c) => (data += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
            },
        );
        req.on("error", reject);
        req.end(body);
    });
}

async function main(): Promise<number> {
    const [cmd, url, caFile, certFile, keyFile, ...rest] = process.argv.slice(2);
    const tls = { ca: fs.readFileSync(caFile, "utf8"), cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8") };
    if (cmd === "wait") {
        const r = await waitForApiServer({
            url,
            caCertPem: tls.ca,
            clientCertPem: tls.cert,
            clientKeyPem: tls.key,
            timeoutSeconds: Number(rest[0] ?? 60),
            intervalSeconds: 1,
        });
        console.log(JSON.stringify(r));
        return r.ready ? 0 : 1;
    }
    if (cmd === "create") {
        let failed = 0;
        for (const file of rest) {
            const o = JSON.parse(fs.readFileSync(file, "utf8")) as Obj;
            const r = await post(url, tls, collection(o), JSON.stringify(o));
            const ok = r.status === 201 || r.status === 200;
            console.log(`${ok ? "accepted" : "REFUSED"} ${o.kind}/${o.metadata.name}: ${r.status}${ok ? "" : " " + r.body.slice(0, 400)}`);
            failed += ok ? 0 : 1;
        }
        return failed ? 1 : 0;
    }
    if (cmd === "post") {
        const [path, file] = rest;
        const r = await post(url, tls, path, fs.readFileSync(file, "utf8"));
        console.log(`${r.status} ${r.body.slice(0, 600)}`);
        return r.status === 201 || r.status === 200 ? 0 : 1;
    }
    throw new Error(`unknown command ${cmd}`);
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(2);
    },
);
