/**
 * The proxy's TLS mode as DockerHub configures it (proxyCommand/PROXY_TLS_DIR from
 * components/docker/render.ts): the built proxy image, running as uid 65534, serves HTTPS with a
 * bind-mounted certificate and key, and redirects plain HTTP to HTTPS. A self-signed certificate
 * stands in for certbot's. Part of `npm run e2e:local`.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { HUB_PORTS, PROXY_TLS_DIR } from "../../../components/hub/contract";
import { proxyCommand } from "../../../components/docker/render";
import { docker, waitFor } from "../common/lib";

const NAME = "jupyterhub-e2e-tls-proxy";

function httpsStatus(port: number, ca: string): Promise<{ status: number; subject: string }> {
    return new Promise((resolve, reject) => {
        const req = https.get({ host: "127.0.0.1", port, path: "/hub/", servername: "localhost", ca, timeout: 5000 }, (res) => {
            const cert = (res.socket as import("tls").TLSSocket).getPeerCertificate();
            res.resume();
            resolve({ status: res.statusCode ?? 0, subject: String(cert.subject?.CN ?? "") });
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error("timeout")));
    });
}

export async function checkProxyTls(proxyImage: string, httpsPort = 18443, httpPort = 18080): Promise<[string, string | undefined][]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-tls-"));
    const results: [string, string | undefined][] = [];
    docker(["rm", "-f", NAME]);
    try {
        const cert = path.join(dir, "fullchain.pem");
        const key = path.join(dir, "privkey.pem");
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost",
                "-keyout",
                key,
                "-out",
                cert,
            ],
            {
                stdio: "ignore",
            },
        );
        // Like a certbot deploy hook would: the proxy runs as uid 65534 and must read the key.
        fs.chmodSync(key, 0o644);
        fs.chmodSync(dir, 0o755);
        const tls = { certPath: cert, keyPath: key };
        const run = docker([
            "run",
            "-d",
            "--name",
            NAME,
            "-p",
            `127.0.0.1:${httpsPort}:${HUB_PORTS.proxyHttps}`,
            "-p",
            `127.0.0.1:${httpPort}:${HUB_PORTS.proxyHttp}`,
            "-v",
            `${cert}:${PROXY_TLS_DIR}/cert.pem:ro`,
            "-v",
            `${key}:${PROXY_TLS_DIR}/key.pem:ro`,
            "-e",
            "CONFIGPROXY_AUTH_TOKEN=tls-check",
            proxyImage,
            ...proxyCommand("jupyterhub-e2e-tls-hub", tls),
        ]);
        if (run.code !== 0) throw new Error(`docker run: ${run.out}`);
        const ca = fs.readFileSync(cert, "utf8");
        const got = await waitFor("proxy HTTPS", 30_000, async () => httpsStatus(httpsPort, ca), 500);
        // No hub behind this proxy: any HTTP answer over verified TLS is what is being checked.
        results.push([
            "TLS: the proxy serves HTTPS with the mounted certificate (as uid 65534)",
            got.subject === "localhost" && got.status > 0 ? undefined : `status ${got.status}, CN ${got.subject}`,
        ]);
        const user = docker(["exec", NAME, "id", "-u"]).out.trim();
        results.push(["TLS: the proxy container runs as uid 65534", user === "65534" ? undefined : `uid ${user}`]);
        const plain = await fetch(`http://127.0.0.1:${httpPort}/hub/login`, { redirect: "manual", signal: AbortSignal.timeout(5000) });
        const location = plain.headers.get("location") ?? "";
        results.push([
            "TLS: plain HTTP redirects to HTTPS",
            plain.status === 301 && location.startsWith("https://") ? undefined : `HTTP ${plain.status} ${location}`,
        ]);
    } catch (err) {
        results.push(["TLS: check ran", `${String(err)}; proxy log: ${docker(["logs", "--tail", "20", NAME]).out}`]);
    } finally {
        docker(["rm", "-f", NAME]);
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return results;
}
