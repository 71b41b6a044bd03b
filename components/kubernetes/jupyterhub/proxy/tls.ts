/**
 * How the proxy terminates TLS, by hub.tls.mode:
 * - none: plain HTTP on 80.
 * - manual: the operator's certificate and key (config secrets) in the `proxy-tls` Secret.
 * - letsencrypt: the same Secret, created with a self-signed bootstrap certificate so the proxy can
 *   start, then replaced by the ACME renewer CronJob (acmeRenewer.ts: certbot), which owns its data.
 * - cert-manager: the cluster's cert-manager writes the Secret for a Certificate (certManager.ts);
 *   the program never creates it.
 * With TLS, port 80 only redirects to HTTPS (configurable-http-proxy's --redirect-port).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { Secret } from "../objects";

export function tlsEnabled(ctx: HubRenderContext): boolean {
    return ctx.config.hub.tls.mode !== "none";
}

export function acmeEnabled(ctx: HubRenderContext): boolean {
    return ctx.config.hub.tls.mode === "letsencrypt";
}

export function certManagerEnabled(ctx: HubRenderContext): boolean {
    return ctx.config.hub.tls.mode === "cert-manager";
}

export interface TlsPair {
    certificate: pulumi.Input<string>;
    key: pulumi.Input<string>;
}

/** The kubernetes.io/tls Secret the proxy mounts, or undefined without TLS or when cert-manager writes it. */
export function proxyTlsSecret(ctx: HubRenderContext, pair: TlsPair | undefined): Secret | undefined {
    if (!tlsEnabled(ctx) || certManagerEnabled(ctx)) {
        return undefined;
    }
    if (!pair) {
        throw new Error(`hub.tls.mode ${ctx.config.hub.tls.mode} needs a certificate and key for the proxy-tls Secret`);
    }
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
            name: ctx.names.proxyTlsSecret,
            namespace: ctx.namespace,
            labels: objectLabels(ctx.names, "proxy"),
            // manual: the operator's pair wins over whatever wrote the Secret before (the ACME
            // renewer, when the stack used letsencrypt). letsencrypt: Pulumi must never win, so a
            // conflict with the renewer's data fails the update instead of reverting the certificate.
            ...(acmeEnabled(ctx) ? {} : { annotations: { "pulumi.com/patchForce": "true" } }),
        },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": pair.certificate, "tls.key": pair.key },
    };
}
