/**
 * CAS single sign-on through the hub image's jupyterhub_config.py, against a fake CAS server:
 * the login page redirects to CAS, a ticket the CAS server validates logs the user in, an
 * invalid ticket is refused, and a validated user outside hub.allowedUsers is refused (the
 * upstream jhub_cas_authenticator handler would let them in; the platform's wrapper routes CAS
 * logins through JupyterHub's login_user()). The CAS server speaks HTTPS with a certificate of a
 * private CA made here: the hub validates tickets only with that CA as hub.auth.caBundle, and
 * fails without it. Runs on a Docker network of its own, from the images the stack built; part of
 * `npm run e2e:local`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerSpawnerBlock } from "../../../components/docker/render";
import { HUB_CA_BUNDLE_PATH } from "../../../components/hub/contract";
import { renderHubDocument, serializeHubDocument } from "../../../components/hub/hubDocument";
import { platformConfig } from "../../unit/fixtures/config";
import { docker, waitFor } from "../common/lib";

const NET = "jupyterhub-e2e-cas-net";
const NAMES = { hub: "jupyterhub-e2e-cas-hub", proxy: "jupyterhub-e2e-cas-proxy", cas: "jupyterhub-e2e-cas-server" };

/** A CAS 3 serviceValidate endpoint: ticket ST-<user> is valid for <user>, anything else fails. */
const FAKE_CAS = String.raw`
import http.server, urllib.parse
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        t = q.get("ticket", [""])[0]
        if t.startswith("ST-"):
            body = ('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
                    '<cas:user>%s</cas:user><cas:attributes><cas:role>student</cas:role></cas:attributes>'
                    '</cas:authenticationSuccess></cas:serviceResponse>') % t[3:]
        else:
            body = ('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">'
                    'bad</cas:authenticationFailure></cas:serviceResponse>')
        data = body.encode()
        # A length, so a client never reads to an EOF without TLS close_notify (GnuTLS, i.e. the
        # hub's pycurl, fails on that).
        self.send_response(200); self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
import ssl
httpd = http.server.HTTPServer(("0.0.0.0", 8443), H)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain("/check/cas.pem", "/check/cas.key")
httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
`;

/** A private CA and the CAS server's certificate for its name on the test network (openssl). */
function makePki(dir: string): void {
    const openssl = (args: string[]) => {
        const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
        if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl([
        "req",
        "-x509",
        ...ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=e2e private CAS CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(["req", ...ec, "-keyout", "cas.key", "-out", "cas.csr", "-subj", `/CN=${NAMES.cas}`]);
    fs.writeFileSync(path.join(dir, "cas.ext"), `subjectAltName=DNS:${NAMES.cas}\nextendedKeyUsage=serverAuth\n`);
    openssl([
        "x509",
        "-req",
        "-in",
        "cas.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cas.pem",
        "-days",
        "2",
        "-extfile",
        "cas.ext",
    ]);
    fs.rmSync(path.join(dir, "ca.key"));
}

function cleanup(): void {
    for (const c of Object.values(NAMES)) docker(["rm", "-f", c]);
    docker(["network", "rm", NET]);
}

/** Returns a list of [check, error-or-undefined]. */
export async function checkCasLogin(hubImage: string, proxyImage: string, port = 18099): Promise<[string, string | undefined][]> {
    cleanup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cas-check-"));
    const results: [string, string | undefined][] = [];
    try {
        makePki(dir);
        const configValues = {
            topology: "docker-vm",
            "hub.domain": "hub.example.org",
            "openstack.cloud": "unit",
            "openstack.externalNetwork": "public",
            "openstack.sshPublicKey": "ssh-ed25519 AAAA cas",
            "openstack.adminCidrs": JSON.stringify(["192.0.2.0/24"]),
            "hub.auth.type": "cas",
            "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
            "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
            "hub.allowedUsers": JSON.stringify(["casuser"]),
        };
        const render = (caBundle?: string) => {
            const config = platformConfig({
                ...configValues,
                "hub.auth.cas.serviceValidateUrl": `https://${NAMES.cas}:8443/cas/p3/serviceValidate`,
                ...(caBundle ? { "hub.auth.caBundle": caBundle } : {}),
            });
            return serializeHubDocument(
                renderHubDocument(config, {
                    singleuserImage: "sha256:" + "0".repeat(64),
                    hubHost: NAMES.hub,
                    proxyApiUrl: `http://${NAMES.proxy}:8001`,
                    sqlitePath: "/tmp/jupyterhub.sqlite",
                    docker: dockerSpawnerBlock(config),
                }),
            );
        };
        fs.writeFileSync(path.join(dir, "config.json"), render(fs.readFileSync(path.join(dir, "ca.pem"), "utf8")));
        fs.writeFileSync(path.join(dir, "config-no-ca.json"), render());
        fs.writeFileSync(path.join(dir, "cas.py"), FAKE_CAS);
        fs.chmodSync(dir, 0o755);
        for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);

        const must = (what: string, r: { code: number; out: string }) => {
            if (r.code !== 0) throw new Error(`${what}: ${r.out}`);
        };
        must("network", docker(["network", "create", NET]));
        must(
            "fake CAS",
            docker([
                "run",
                "-d",
                "--name",
                NAMES.cas,
                "--network",
                NET,
                "-v",
                `${dir}:/check:ro`,
                "--entrypoint",
                "python3",
                hubImage,
                "/check/cas.py",
            ]),
        );
        const token = "cas-check-proxy-token";
        must(
            "proxy",
            docker([
                "run",
                "-d",
                "--name",
                NAMES.proxy,
                "--network",
                NET,
                "-p",
                `127.0.0.1:${port}:8000`,
                "-e",
                `CONFIGPROXY_AUTH_TOKEN=${token}`,
                proxyImage,
                "--ip=0.0.0.0",
                "--port=8000",
                "--api-ip=0.0.0.0",
                "--api-port=8001",
                `--default-target=http://${NAMES.hub}:8081`,
            ]),
        );
        const base = `http://127.0.0.1:${port}`;
        /** The hub logs on stderr. */
        const hubLog = () => {
            const r = spawnSync("docker", ["logs", NAMES.hub], { encoding: "utf8", timeout: 30_000 });
            return `${r.stdout ?? ""}${r.stderr ?? ""}`;
        };
        /** The hub with the document that names the CA bundle (mounted where it says), or without both. */
        const startHub = async (withCa: boolean) => {
            docker(["rm", "-f", NAMES.hub]);
            must(
                "hub",
                docker([
                    "run",
                    "-d",
                    "--name",
                    NAMES.hub,
                    "--network",
                    NET,
                    "-v",
                    `${dir}/${withCa ? "config.json" : "config-no-ca.json"}:/etc/jupyterhub/platform/config.json:ro`,
                    ...(withCa ? ["-v", `${dir}/ca.pem:${HUB_CA_BUNDLE_PATH}:ro`] : []),
                    "-e",
                    `CONFIGPROXY_AUTH_TOKEN=${token}`,
                    "-e",
                    "PLATFORM_COOKIE_SECRET=cas-check-cookie",
                    "-e",
                    "PLATFORM_CRYPT_KEY=cas-check-crypt",
                    hubImage,
                ]),
            );
            await waitFor("CAS check hub health", 90_000, async () => {
                const r = await fetch(`${base}/hub/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
                return r?.status === 200 ? true : undefined;
            });
        };
        await startHub(true);
        const get = (p: string) => fetch(`${base}${p}`, { redirect: "manual", signal: AbortSignal.timeout(20_000) });

        const redirect = await get("/hub/login");
        const location = redirect.headers.get("location") ?? "";
        results.push([
            "CAS: /hub/login redirects to the CAS login URL with the service URL",
            redirect.status === 302 &&
            location.startsWith("https://cas.example.org/cas/login?service=") &&
            location.includes(encodeURIComponent("/hub/login"))
                ? undefined
                : `HTTP ${redirect.status} ${location}`,
        ]);
        const ok = await get("/hub/login?ticket=ST-casuser");
        const cookie = ok.headers.getSetCookie().some((c) => c.startsWith("jupyterhub-session-id") || c.startsWith("jupyterhub-hub-login"));
        results.push([
            "CAS: a ticket validated over HTTPS with the private CA (hub.auth.caBundle) logs the allowed user in",
            ok.status === 302 && cookie ? undefined : `HTTP ${ok.status}, login cookie: ${cookie}; hub log: ${hubLog().slice(-1500)}`,
        ]);
        const bad = await get("/hub/login?ticket=XX-forged");
        results.push(["CAS: an invalid ticket is refused", bad.status === 401 ? undefined : `HTTP ${bad.status}`]);
        const outsider = await get("/hub/login?ticket=ST-mallory");
        const outsiderCookie = outsider.headers.getSetCookie().some((c) => c.startsWith("jupyterhub-hub-login"));
        results.push([
            "CAS: a validated user outside hub.allowedUsers is refused",
            outsider.status === 403 && !outsiderCookie ? undefined : `HTTP ${outsider.status}, login cookie: ${outsiderCookie}`,
        ]);

        // The same hub without the CA: the CAS server's certificate is not trusted, nobody gets in
        // (the CAS authenticator reports any fetch error as an invalid ticket: the difference to
        // the first hub is the CA alone).
        await startHub(false);
        const untrusted = await get("/hub/login?ticket=ST-casuser");
        const untrustedCookie = untrusted.headers.getSetCookie().some((c) => c.startsWith("jupyterhub-hub-login"));
        results.push([
            "CAS: without hub.auth.caBundle the same ticket is refused (the CAS certificate is not trusted)",
            untrusted.status === 401 && !untrustedCookie ? undefined : `HTTP ${untrusted.status}, login cookie: ${untrustedCookie}`,
        ]);
    } catch (err) {
        results.push(["CAS: check ran", `${String(err)}; hub log: ${docker(["logs", "--tail", "20", NAMES.hub]).out}`]);
    } finally {
        cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return results;
}
