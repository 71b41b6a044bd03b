/**
 * Which properties of a resource are Pulumi secrets, as the engine sent them.
 *
 * The engine hands every analyzer the resource's properties with secrets kept (marshalled with
 * the secret signature), but @pulumi/policy 1.21.0 unwraps them before a validation sees them
 * (`deserializeProperties(struct, false)` in its server.js), so `args.props` cannot tell a secret
 * from plaintext. The rule "values that must be secret are secret" needs exactly that, so this
 * module wraps the library's (internal) deserializer: the result is unchanged, and the paths of
 * the secret values in the raw struct are remembered for that result object. A validation asks
 * `secretPathsOf(args.props)`. The library is pinned exactly in package.json; a test
 * (test/unit/policy/secrets.test.ts) drives the real deserializer with a real protobuf Struct, so
 * a change of that internal API fails there, not silently here.
 */

/** The engine's marshalling signatures (@pulumi/pulumi runtime/rpc.ts: specialSigKey, specialSecretSig). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** @pulumi/policy's proxies expose their target under this key (proxy.ts getSpecialProxyTarget). */
const PROXY_TARGET = "__getSpecialProxyTarget";

const remembered = new WeakMap<object, ReadonlySet<string>>();

/** Path notation: `envs`, `envs[0]`, `registryAuth[0].password`, `stringData["a.b"]`. */
export function childPath(parent: string, key: string | number): string {
    if (typeof key === "number") return `${parent}[${key}]`;
    if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
    return `${parent}[${JSON.stringify(key)}]`;
}

/** Paths of every secret in a raw (marshalled) property bag. */
export function rawSecretPaths(raw: unknown, path = "", out: Set<string> = new Set()): Set<string> {
    if (Array.isArray(raw)) {
        raw.forEach((v, i) => rawSecretPaths(v, childPath(path, i), out));
    } else if (raw !== null && typeof raw === "object") {
        const obj = raw as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            out.add(path);
            // A secret may hold structure with nested secrets; the whole path is secret anyway.
            return out;
        }
        for (const [k, v] of Object.entries(obj)) {
            rawSecretPaths(v, childPath(path, k), out);
        }
    }
    return out;
}

interface ProtoStruct {
    toJavaScript(): Record<string, unknown>;
}
type Deserialize = (struct: ProtoStruct, proxySecrets: boolean) => unknown;

let installed = false;

/** Wraps @pulumi/policy's deserializer once per process (idempotent). */
export function trackSecrets(): void {
    if (installed) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require("@pulumi/policy/deserialize") as { deserializeProperties: Deserialize };
    const original = lib.deserializeProperties;
    if (typeof original !== "function") {
        throw new Error("@pulumi/policy/deserialize has no deserializeProperties: the secret check cannot work with this version");
    }
    lib.deserializeProperties = (struct, proxySecrets) => {
        const result = original(struct, proxySecrets);
        if (result !== null && typeof result === "object") {
            remembered.set(result, rawSecretPaths(struct.toJavaScript()));
        }
        return result;
    };
    installed = true;
}

/** The secret paths of a validation's `args.props` (through the library's proxy), or of a plain object given to rememberSecrets. */
export function secretPathsOf(props: object): ReadonlySet<string> {
    const target = (props as Record<string, unknown>)[PROXY_TARGET];
    const key = target !== null && typeof target === "object" ? (target as object) : props;
    const found = remembered.get(key);
    if (!found) {
        throw new Error("no secret information for these properties (trackSecrets() must run before the policy pack starts)");
    }
    return found;
}

/** For tests and fake resources: declare which paths of a plain object are secret. */
export function rememberSecrets(props: object, paths: Iterable<string>): void {
    remembered.set(props, new Set(paths));
}

/** True when `path` or one of its ancestors is secret (a secret list makes every element secret). */
export function isSecretAt(secretPaths: ReadonlySet<string>, path: string): boolean {
    for (const p of secretPaths) {
        if (p === "" || p === path || path.startsWith(p + ".") || path.startsWith(p + "[")) return true;
    }
    return false;
}
