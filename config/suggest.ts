/** "Did you mean …?" for misspelt config keys. */

export function editDistance(a: string, b: string): number {
    const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diag = prev[0];
        prev[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const up = prev[j];
            prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
            diag = up;
        }
    }
    return prev[b.length];
}

/**
 * The nearest candidate, compared case-insensitively, when it is close enough to be a typo:
 * within a third of the key's length, or an exact match of the last path segment
 * (`domain` for `hub.domain`).
 */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
    const lower = key.toLowerCase();
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = editDistance(lower, c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) {
        return best;
    }
    const bySegment = candidates.filter((c) => c.toLowerCase().endsWith(`.${lower}`));
    return bySegment.length === 1 ? bySegment[0] : undefined;
}
