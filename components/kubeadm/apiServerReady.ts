/**
 * Waits, during `pulumi up`, until a new cluster's API server answers: `GET /readyz` returns
 * `ok` (verified against the cluster CA, anonymously — kubeadm's system:public-info-viewer allows
 * it) and then the admin client certificate is authorized to read the kube-system namespace (so the
 * kubeadm:cluster-admins binding exists). Kubernetes resources depend on it through the
 * kubeconfig handed to the explicit Kubernetes provider.
 *
 * A Pulumi dynamic provider: its code is serialized into the state, so everything it uses is
 * required inside the functions.
 */
import * as pulumi from "@pulumi/pulumi";

export interface ApiServerProbe {
    /** https://host:6443 */
    url: string;
    caCertPem: string;
    clientCertPem: string;
    clientKeyPem: string;
    timeoutSeconds: number;
    /** Pause between attempts. */
    intervalSeconds: number;
}

export interface ProbeResult {
    ready: boolean;
    attempts: number;
    last: string;
}

/** Poll until ready or timeout (used by the dynamic provider and by test/real). */
export async function waitForApiServer(p: ApiServerProbe): Promise<ProbeResult> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const https = require("https") as typeof import("https");
    const get = (path: string, withClientCert: boolean): Promise<{ status: number; body: string }> =>
        new Promise((resolve) => {
            const url = new URL(path, p.url);
            const req = https.request(
                {
                    method: "GET",
                    hostname: url.hostname,
                    port: url.port || 443,
                    path: url.pathname,
                    ca: p.caCertPem,
                    cert: withClientCert ? p.clientCertPem : undefined,
                    key: withClientCert ? p.clientKeyPem : undefined,
                    timeout: 10000,
                    // The API server certificate carries the floating and private IPs as SANs.
                    rejectUnauthorized: true,
                },
                (res) => {
                    let body = "";
                    res.setEncoding("utf8");
                    res.on("data", (c: string) => (body += c.length < 4096 ? c : ""));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
                },
            );
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.on("error", (e: Error) => resolve({ status: 0, body: e.message }));
            req.end();
        });
    const deadline = Date.now() + p.timeoutSeconds * 1000;
    let attempts = 0;
    let last = "";
    for (;;) {
        attempts++;
        const ready = await get("/readyz", false);
        if (ready.status === 200 && ready.body.trim() === "ok") {
            const auth = await get("/api/v1/namespaces/kube-system", true);
            if (auth.status === 200) {
                return { ready: true, attempts, last: "ready" };
            }
            last = `readyz ok, admin request answered ${auth.status}`;
        } else {
            last = `readyz answered ${ready.status}: ${ready.body.slice(0, 200)}`;
        }
        if (Date.now() + p.intervalSeconds * 1000 > deadline) {
            return { ready: false, attempts, last };
        }
        await new Promise((r) => setTimeout(r, p.intervalSeconds * 1000));
    }
}

interface ReadyInputs {
    url: string;
    caCertPem: string;
    clientCertPem: string;
    clientKeyPem: string;
    timeoutSeconds: number;
}

const apiServerReadyProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ReadyInputs) {
        const result = await waitForApiServer({ ...inputs, intervalSeconds: 10 });
        if (!result.ready) {
            throw new Error(
                `API server ${inputs.url} not ready after ${inputs.timeoutSeconds}s (${result.attempts} attempts): ${result.last}`,
            );
        }
        return { id: inputs.url, outs: { url: inputs.url, attempts: result.attempts } };
    },
    async diff(_id: string, olds: { url?: string }, news: ReadyInputs) {
        return { changes: olds.url !== news.url, replaces: olds.url !== news.url ? ["url"] : [], deleteBeforeReplace: false };
    },
    async update(_id: string, _olds: unknown, news: ReadyInputs) {
        return { outs: { url: news.url, attempts: 0 } };
    },
};

export interface ApiServerReadyArgs {
    url: pulumi.Input<string>;
    caCertPem: pulumi.Input<string>;
    clientCertPem: pulumi.Input<string>;
    clientKeyPem: pulumi.Input<string>;
    timeoutSeconds: pulumi.Input<number>;
}

export class ApiServerReady extends pulumi.dynamic.Resource {
    declare readonly url: pulumi.Output<string>;

    constructor(name: string, args: ApiServerReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            apiServerReadyProvider,
            name,
            {
                ...args,
                clientCertPem: pulumi.secret(args.clientCertPem),
                clientKeyPem: pulumi.secret(args.clientKeyPem),
                url: args.url,
                attempts: undefined,
            },
            opts,
        );
    }
}
