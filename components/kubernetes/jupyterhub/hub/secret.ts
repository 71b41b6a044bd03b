/**
 * The hub's Secret: one key per secret the hub config reads, mounted as files. The hub reads
 * `<NAME>_FILE` (images/hub/jupyterhub_config.py), so no secret sits in the pod's environment,
 * where `kubectl describe`, crash dumps and child processes could see it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { HUB_PATHS, HUB_SECRET_ENV, type HubSecretName } from "../../../hub/contract";
import { requiredHubSecrets, type HubSecretValues } from "../../../hub/secrets";
import type { HubRenderContext } from "../context";
import { objectLabels } from "../labels";
import type { Secret } from "../objects";

/** Key (and file name) of each secret in the hub Secret. */
export const HUB_SECRET_KEYS: Record<HubSecretName, string> = {
    cookieSecret: "cookie-secret",
    proxyToken: "proxy-token",
    cryptKey: "crypt-key",
    dummyPassword: "dummy-password",
    oauthClientSecret: "oauth-client-secret",
    ldapSearchPassword: "ldap-search-password",
    dbUrl: "db-url",
    serviceTokens: "service-tokens",
    backupToken: "backup-token",
    daskGatewayApiToken: "dask-gateway-api-token",
};

/** The secrets this config needs (cookie, proxy token, crypt key, plus auth / database ones). */
export function neededHubSecrets(ctx: HubRenderContext): HubSecretName[] {
    return requiredHubSecrets(ctx.config);
}

/** `<NAME>_FILE` variables pointing the hub at the mounted files. */
export function hubSecretFileEnv(ctx: HubRenderContext): { name: string; value: string }[] {
    return neededHubSecrets(ctx).map((s) => ({ name: `${HUB_SECRET_ENV[s]}_FILE`, value: `${HUB_PATHS.secretDir}/${HUB_SECRET_KEYS[s]}` }));
}

/**
 * The Secret object. Values are Inputs the caller has marked secret (RandomPassword results,
 * config secrets); a needed value that is missing is a programming error, caught here.
 */
export function hubSecret(ctx: HubRenderContext, values: Partial<HubSecretValues<pulumi.Input<string>>>): Secret {
    const stringData: Record<string, pulumi.Input<string>> = {};
    for (const s of neededHubSecrets(ctx)) {
        const value = values[s];
        if (value === undefined) {
            throw new Error(`hub secret ${s} is needed by this config (${HUB_SECRET_ENV[s]}) but no value was given`);
        }
        stringData[HUB_SECRET_KEYS[s]] = value;
    }
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: ctx.names.hubSecret, namespace: ctx.namespace, labels: objectLabels(ctx.names, "hub") },
        type: "Opaque",
        stringData,
    };
}
