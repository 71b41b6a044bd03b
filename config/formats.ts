/** Small syntactic checks shared by the config sections. */

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOSTNAME_RE = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);

/** A fully qualified DNS name (at least two labels, lowercase). */
export function isHostname(text: string): boolean {
    return HOSTNAME_RE.test(text);
}

export function isEmail(text: string): boolean {
    const at = text.lastIndexOf("@");
    return at > 0 && /^[^\s@]+$/.test(text.slice(0, at)) && isHostname(text.slice(at + 1).toLowerCase());
}

export function isUrl(text: string, protocols: readonly string[] = ["https:"]): boolean {
    try {
        const u = new URL(text);
        return protocols.includes(u.protocol) && u.hostname !== "";
    } catch {
        return false;
    }
}

/** `repo@sha256:<64 hex>`: the only image reference that cannot change under a deployment. */
export function isDigestRef(text: string): boolean {
    return /^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$/.test(text);
}

/** An image reference a Dockerfile `FROM` accepts (tag or digest). */
export function isImageRef(text: string): boolean {
    return /^[a-z0-9][a-z0-9._\-/]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?::\d+\/[a-z0-9._\-/]+(?::[A-Za-z0-9_.-]+)?)?(?:@sha256:[0-9a-f]{64})?$/.test(
        text,
    );
}

/** Docker repository path (lowercase components separated by / with an optional registry host). */
export function isRepository(text: string): boolean {
    return /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(text);
}

/** Docker volume / Kubernetes object name usable as a shared volume. */
export function isVolumeName(text: string): boolean {
    return /^[a-z0-9][a-z0-9-]{0,62}$/.test(text);
}

export function isDnsLabel(text: string): boolean {
    return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(text);
}

/** A Kubernetes object name (RFC 1123 subdomain): dot-separated DNS labels, at most 253 characters. */
export function isDnsSubdomain(text: string): boolean {
    return text.length <= 253 && text.split(".").every(isDnsLabel);
}

export function isAbsolutePath(text: string): boolean {
    return /^\/[^\0]*$/.test(text) && !text.split("/").includes("..");
}

export function isEnvName(text: string): boolean {
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
}

/** A JupyterHub username as operators list them: no whitespace, no slash. */
export function isUsername(text: string): boolean {
    return /^[^\s/]{1,128}$/.test(text);
}

export function isSemver(text: string): boolean {
    return /^\d+\.\d+\.\d+$/.test(text);
}

/** Kubernetes label `key=value` (key may carry a DNS prefix). */
export function parseLabel(text: string): [string, string] | undefined {
    const m =
        /^((?:[a-z0-9.-]{1,253}\/)?[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)=((?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?)$/.exec(
            text,
        );
    return m ? [m[1], m[2]] : undefined;
}

/** Package names for apt, conda and pip lines: no whitespace or shell syntax. */
export function isPackageSpec(text: string): boolean {
    return /^[A-Za-z0-9][A-Za-z0-9_.+\-[\],<>=!~*]*$/.test(text);
}

export function isSshPublicKey(text: string): boolean {
    return /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/.test(text);
}
