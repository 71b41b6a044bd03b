/** IPv4 CIDR parsing and overlap checks for network settings. */

export interface Cidr {
    text: string;
    /** Network address as an unsigned 32-bit integer. */
    base: number;
    prefix: number;
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function parseIpv4(text: string): number | undefined {
    const m = IPV4_RE.exec(text);
    if (!m) {
        return undefined;
    }
    return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

function mask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parse `a.b.c.d/n`. Host bits must be zero (`10.0.0.5/24` is rejected: it usually means the
 * operator meant a different network).
 */
export function parseCidr(text: string): Cidr | { error: string } {
    const slash = text.indexOf("/");
    if (slash < 0) {
        return { error: "missing /prefix" };
    }
    const ip = parseIpv4(text.slice(0, slash));
    const prefixText = text.slice(slash + 1);
    if (ip === undefined) {
        return { error: "not an IPv4 address" };
    }
    if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
        return { error: "prefix must be 0-32" };
    }
    const prefix = Number(prefixText);
    if ((ip & ~mask(prefix)) >>> 0 !== 0) {
        return { error: "host bits are set" };
    }
    return { text, base: ip, prefix };
}

export function isCidr(value: Cidr | { error: string }): value is Cidr {
    return !("error" in value);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    const m = mask(Math.min(a.prefix, b.prefix));
    return (a.base & m) >>> 0 === (b.base & m) >>> 0;
}

/** Number of addresses in the CIDR. */
export function cidrSize(c: Cidr): number {
    return 2 ** (32 - c.prefix);
}
