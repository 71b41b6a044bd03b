/**
 * Name cleanup shared by every domain: Docker object names, OpenStack resource names and DNS
 * labels all accept lower-case letters, digits and dashes, not starting or ending with a dash.
 */

/** `s` lower-cased, every run of other characters a single dash, trimmed; `fallback` when empty. */
export function cleanName(s: string, fallback: string, maxLength = 63): string {
    const cleaned = s
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, "")
        .slice(0, maxLength);
    return cleaned || fallback;
}
