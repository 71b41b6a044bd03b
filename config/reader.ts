/**
 * Typed access to raw stack config values that records every problem instead of throwing, so an
 * operator sees all mistakes of a stack at once. Defaults come from config/schema.ts.
 */
import { KEY_INDEX, type KeySpec, spec } from "./schema";
import { CPU_ALLOWED, parseCpu, parseSize, SIZE_ALLOWED } from "./quantities";
import type { Secret } from "./types";

export interface RawConfig {
    /** Values keyed without the project prefix, as the engine passes them (arrays as JSON). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys (without prefix) that were set with `pulumi config set --secret`. */
    readonly secretKeys: ReadonlySet<string>;
    /**
     * Fully qualified keys under a namespace that looks like a misspelling of the project's
     * (`jupyterhub-platfrom:hub.port`): the engine hands them over, and ignoring them would
     * silently drop the setting.
     */
    readonly misplacedKeys?: readonly string[];
}

export class ConfigReader {
    readonly problems: string[] = [];

    constructor(
        private readonly raw: RawConfig,
        private readonly project: string,
        private readonly makeSecret: (key: string, value: string) => Secret,
    ) {}

    /** Fully qualified key as operators type it in `pulumi config set`. */
    fq(key: string): string {
        return `${this.project}:${key}`;
    }

    /** Record a problem with `key`, quoting the offending value unless the key is secret. */
    bad(key: string, value: unknown, allowed: string, why?: string): void {
        const shown = KEY_INDEX.get(key)?.secret ? "(secret value)" : JSON.stringify(value);
        const reason = why ? `${why}; ` : "";
        this.problems.push(`${this.fq(key)}: ${reason}got ${shown}; allowed: ${allowed}`);
    }

    /** Record a problem about a key outside the project's namespace, as given. */
    foreign(message: string): void {
        this.problems.push(message);
    }

    /** Record a problem that is about a key being absent or about a combination of keys. */
    need(key: string, message: string): void {
        this.problems.push(`${this.fq(key)}: ${message}`);
    }

    isSet(key: string): boolean {
        const v = this.raw.values[key];
        return v !== undefined && v !== "" && v !== "[]";
    }

    private text(key: string): string | undefined {
        return this.raw.values[key];
    }

    private typed(key: string, type: KeySpec["type"]): KeySpec {
        const s = spec(key);
        if (s.type !== type) {
            throw new Error(`internal: ${key} is declared ${s.type}, read as ${type}`);
        }
        return s;
    }

    str(key: string): string {
        const s = this.typed(key, "string");
        if (s.secret) {
            throw new Error(`internal: read secret ${key} with secret()`);
        }
        return (this.text(key) ?? (s.default as string)).trim();
    }

    /** A string that is empty when unset. */
    optStr(key: string): string | undefined {
        const v = this.str(key);
        return v === "" ? undefined : v;
    }

    oneOf<T extends string>(key: string): T {
        const s = spec(key);
        const v = this.str(key);
        if (s.enum && !s.enum.includes(v)) {
            this.bad(key, v, s.enum.join(" | "), "unknown value");
            return s.default as T;
        }
        return v as T;
    }

    int(key: string, min: number, max = Number.MAX_SAFE_INTEGER, allowed?: string): number {
        const s = this.typed(key, "integer");
        const t = this.text(key);
        const rule = allowed ?? (max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
        if (t === undefined) {
            return s.default as number;
        }
        if (!/^-?\d+$/.test(t.trim())) {
            this.bad(key, t, rule, "not an integer");
            return s.default as number;
        }
        const n = Number(t);
        if (n < min || n > max) {
            this.bad(key, n, rule, "out of range");
            return s.default as number;
        }
        return n;
    }

    bool(key: string): boolean {
        const s = this.typed(key, "boolean");
        const t = this.text(key);
        if (t === undefined) {
            return s.default as boolean;
        }
        if (t !== "true" && t !== "false") {
            this.bad(key, t, "true | false", "not a boolean");
            return s.default as boolean;
        }
        return t === "true";
    }

    list(key: string): string[] {
        const s = this.typed(key, "array");
        const t = this.text(key);
        if (t === undefined) {
            return [...(s.default as readonly string[])];
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(t);
        } catch {
            parsed = undefined;
        }
        if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
            this.bad(
                key,
                t,
                "a list of strings (a YAML sequence in the stack file, or `pulumi config set --path '<key>[0]' value`)",
                "not a list of strings",
            );
            return [...(s.default as readonly string[])];
        }
        return parsed.map((x: string) => x.trim());
    }

    /**
     * A secret value, or undefined when unset. A value that was stored in plaintext is a problem:
     * it would sit unencrypted in Pulumi.<stack>.yaml and in git.
     */
    secret(key: string): Secret | undefined {
        const s = spec(key);
        if (!s.secret) {
            throw new Error(`internal: ${key} is not declared secret`);
        }
        const v = this.text(key);
        if (v === undefined || v === "") {
            return undefined;
        }
        if (!this.raw.secretKeys.has(key)) {
            // Reported once for every secret key by reportPlaintextSecrets(), used or not.
            return undefined;
        }
        return this.makeSecret(key, v);
    }

    /** Every secret key that holds a value stored unencrypted, whether the topology uses it or not. */
    reportPlaintextSecrets(secretKeys: readonly string[]): void {
        for (const key of secretKeys) {
            const v = this.text(key);
            if (v !== undefined && v !== "" && !this.raw.secretKeys.has(key)) {
                this.need(key, `is stored in plaintext; set it with \`pulumi config set --secret ${key} <value>\``);
            }
        }
    }

    /** The plaintext of a secret, for validation only: never put it in a message or an object. */
    peekSecret(key: string): string | undefined {
        const v = this.text(key);
        return v === "" ? undefined : v;
    }

    size(key: string): number | undefined {
        const v = this.str(key);
        if (v === "") {
            return undefined;
        }
        const bytes = parseSize(v);
        if (bytes === undefined || bytes <= 0) {
            this.bad(key, v, SIZE_ALLOWED, "not a size");
            return undefined;
        }
        return bytes;
    }

    cpu(key: string): number | undefined {
        const v = this.str(key);
        if (v === "") {
            return undefined;
        }
        const cores = parseCpu(v);
        if (cores === undefined || cores < 0.001) {
            this.bad(key, v, `${CPU_ALLOWED}, at least 0.001`, "not a CPU amount");
            return undefined;
        }
        return cores;
    }
}
