/** configurable-http-proxy's command line (the same flags the Docker topologies use). */
import type { HubRenderContext } from "../context";
import { PROXY_TLS_DIR } from "../../../hub/contract";
import { PORTS } from "../names";
import { tlsEnabled } from "./tls";

export function proxyArgs(ctx: HubRenderContext): string[] {
    const hub = `http://${ctx.names.hubService}:${PORTS.hub}`;
    const args = [
        "--ip=0.0.0.0",
        "--api-ip=0.0.0.0",
        `--api-port=${PORTS.proxyApi}`,
        `--default-target=${hub}`,
        `--error-target=${hub}/hub/error`,
        "--log-level=info",
    ];
    if (tlsEnabled(ctx)) {
        // The certificate is read at start: the ACME renewer restarts the pod after a renewal.
        args.push(
            `--port=${PORTS.proxyHttps}`,
            `--ssl-cert=${PROXY_TLS_DIR}/tls.crt`,
            `--ssl-key=${PROXY_TLS_DIR}/tls.key`,
            `--redirect-port=${PORTS.proxyHttp}`,
            `--redirect-to=${PORTS.publicHttps}`,
        );
    } else {
        args.push(`--port=${PORTS.proxyHttp}`);
    }
    return args;
}
