/**
 * CAS single sign-on through the hub image's jupyterhub_config.py, against a fake CAS server:
 * the login page redirects to CAS, a ticket the CAS server validates logs the user in, an
 * invalid ticket is refused, and a validated user outside hub.allowedUsers is refused (the
 * upstream jhub_cas_authenticator handler would let them in; the platform's wrapper routes CAS
 * logins through JupyterHub's login_user()). Runs on a Docker network of its own, from the
 * images the stack built; part of `npm run e2e:local`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerSpawnerBlock } from "../../../components/docker/render";
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
        self.send_response(200); self.send_header("Content-Type", "text/xml"); self.end_headers()
        self.wfile.write(body.encode())
http.server.HTTPServer(("0.0.0.0", 8443), H).serve_forever()
`;

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
        const config = platformConfig({
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
        });
        const doc = renderHubDocument(config, {
            singleuserImage: "sha256:" + "0".repeat(64),
            hubHost: NAMES.hub,
            proxyApiUrl: `http://${NAMES.proxy}:8001`,
            sqlitePath: "/tmp/jupyterhub.sqlite",
            docker: dockerSpawnerBlock(config),
        });
        // The config only accepts https CAS endpoints; the fake CAS speaks plain HTTP on the test
        // network, so point the rendered document at it (the scheme is not what is under test).
        doc.auth.cas = { ...doc.auth.cas!, serviceValidateUrl: `http://${NAMES.cas}:8443/cas/p3/serviceValidate` };
        fs.writeFileSync(path.join(dir, "config.json"), serializeHubDocument(doc));
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
                `${dir}/config.json:/etc/jupyterhub/platform/config.json:ro`,
                "-e",
                `CONFIGPROXY_AUTH_TOKEN=${token}`,
                "-e",
                "PLATFORM_COOKIE_SECRET=cas-check-cookie",
                "-e",
                "PLATFORM_CRYPT_KEY=cas-check-crypt",
                hubImage,
            ]),
        );
        const base = `http://127.0.0.1:${port}`;
        await waitFor("CAS check hub health", 90_000, async () => {
            const r = await fetch(`${base}/hub/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
            return r?.status === 200 ? true : undefined;
        });
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
            "CAS: a validated ticket logs the allowed user in",
            ok.status === 302 && cookie ? undefined : `HTTP ${ok.status}, login cookie: ${cookie}`,
        ]);
        const bad = await get("/hub/login?ticket=XX-forged");
        results.push(["CAS: an invalid ticket is refused", bad.status === 401 ? undefined : `HTTP ${bad.status}`]);
        const outsider = await get("/hub/login?ticket=ST-mallory");
        const outsiderCookie = outsider.headers.getSetCookie().some((c) => c.startsWith("jupyterhub-hub-login"));
        results.push([
            "CAS: a validated user outside hub.allowedUsers is refused",
            outsider.status === 403 && !outsiderCookie ? undefined : `HTTP ${outsider.status}, login cookie: ${outsiderCookie}`,
        ]);
    } catch (err) {
        results.push(["CAS: check ran", `${String(err)}; hub log: ${docker(["logs", "--tail", "20", NAMES.hub]).out}`]);
    } finally {
        cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    return results;
}
