/**
 * Sizes and CPU amounts as operators write them for Kubernetes and for Docker, converted to one
 * unit (bytes, cores) so that every renderer emits the form its target understands.
 *
 * Accepted sizes:
 * - Kubernetes quantities: plain bytes (`1073741824`), decimal SI suffixes `k M G T P E`
 *   (powers of 1000) and binary suffixes `Ki Mi Gi Ti Pi Ei` (powers of 1024).
 * - Docker sizes: lowercase `b m g t` (powers of 1024, as `docker run --memory 512m` means).
 *   A lowercase `m` is Docker's mebibyte here: for a byte size, Kubernetes' "milli" is never
 *   what anyone means.
 * Rejected: `2GB`, `2gb`, `2GiB`, `2 G`, negative or fractional byte counts.
 */

const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DOCKER: Record<string, number> = { b: 1, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

const SIZE_RE = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|b|m|g|t)?$/;

export const SIZE_ALLOWED =
    "a Kubernetes quantity (e.g. 512Mi, 2Gi, 2G, 500M) or a Docker size (e.g. 512m, 2g); 'GB'/'MB' spellings are not quantities";

/** Parse a size into bytes; undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
    const m = SIZE_RE.exec(text);
    if (!m) {
        return undefined;
    }
    const [, num, suffix] = m;
    const factor = suffix === undefined ? 1 : (DECIMAL[suffix] ?? BINARY[suffix] ?? DOCKER[suffix]);
    const bytes = Number(num) * factor;
    return Number.isSafeInteger(Math.round(bytes)) && Math.abs(bytes - Math.round(bytes)) < 1e-6 ? Math.round(bytes) : undefined;
}

/** Render bytes as the shortest exact Kubernetes quantity (binary suffix on a tie). */
export function toKubernetesQuantity(bytes: number): string {
    let best = String(bytes);
    for (const table of [BINARY, DECIMAL]) {
        for (const [suffix, f] of Object.entries(table)) {
            const candidate = `${bytes / f}${suffix}`;
            if (bytes >= f && bytes % f === 0 && candidate.length < best.length) {
                best = candidate;
            }
        }
    }
    return best;
}

/** Render bytes as a Docker size string (`docker run --memory`), exact, in the largest unit. */
export function toDockerSize(bytes: number): string {
    for (const suffix of ["t", "g", "m"]) {
        const f = DOCKER[suffix];
        if (bytes >= f && bytes % f === 0) {
            return `${bytes / f}${suffix}`;
        }
    }
    // No "k": Docker reads it as KiB, Kubernetes as 1000; bytes are unambiguous.
    return `${bytes}b`;
}

/** Gluster `quota limit-usage` size: integer with B/KB/MB/GB/TB (binary multiples, Gluster's convention). */
export function toGlusterSize(bytes: number): string {
    for (const [suffix, f] of [
        ["TB", 2 ** 40],
        ["GB", 2 ** 30],
        ["MB", 2 ** 20],
        ["KB", 2 ** 10],
    ] as const) {
        if (bytes >= f && bytes % f === 0) {
            return `${bytes / f}${suffix}`;
        }
    }
    return `${bytes}B`;
}

const CPU_RE = /^(?:(\d+(?:\.\d+)?)|(\d+)m)$/;

export const CPU_ALLOWED = "a number of cores (e.g. 1, 0.5, 2) or Kubernetes millicores (e.g. 500m)";

/** Parse a CPU amount into cores; undefined when the text is not a CPU amount. */
export function parseCpu(text: string): number | undefined {
    const m = CPU_RE.exec(text);
    if (!m) {
        return undefined;
    }
    return m[1] !== undefined ? Number(m[1]) : Number(m[2]) / 1000;
}

/** Kubernetes CPU quantity: whole cores as integers, otherwise millicores. */
export function toKubernetesCpu(cores: number): string {
    return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** Docker's NanoCPUs (`--cpus 1.5` = 1.5e9). */
export function toNanoCpus(cores: number): number {
    return Math.round(cores * 1e9);
}
