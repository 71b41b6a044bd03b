/**
 * Filling a shared volume from an image (singleuser.sharedVolumes `image=`): a one-shot container
 * of that image, with the volume mounted at FILL_TARGET, copies the image's tree at the source
 * path into it. The same script runs on Docker (a DockerRun) and on Kubernetes (a Job).
 *
 * Once per image digest: the volume remembers the digest it holds in FILL_MARKER, so a run for
 * the digest already there copies nothing (a re-created stack, a replaced Job); a new digest
 * empties the volume and copies the new tree. Users mount the volume read-only, so they never
 * write into it; servers running during a refresh see the tree change under them.
 */

/** Where the volume is mounted in the fill container. */
export const FILL_TARGET = "/jhp-target";
/** File at the volume's root naming the image digest its content came from. */
export const FILL_MARKER = ".jupyterhub-platform-source";

/**
 * POSIX sh, so any image with a shell and cp can be a source. Arguments: $1 the source
 * directory in the image, $2 the digest-pinned image reference.
 */
export const FILL_SCRIPT = [
    "set -eu",
    'src=$1 digest=$2 target="' + FILL_TARGET + '" marker="' + FILL_TARGET + "/" + FILL_MARKER + '"',
    'if [ -f "$marker" ] && [ "$(cat "$marker")" = "$digest" ]; then echo "shared volume already holds $src of $digest"; exit 0; fi',
    'if [ ! -d "$src" ]; then echo "the image $digest has no directory $src" >&2; exit 2; fi',
    // Everything at the root, dot-files included, but not the mount point itself.
    'for f in "$target"/* "$target"/.[!.]* "$target"/..?*; do if [ -e "$f" ] || [ -L "$f" ]; then rm -rf "$f"; fi; done',
    'cp -a "$src"/. "$target"/',
    'printf "%s\\n" "$digest" > "$marker"',
    'echo "shared volume filled from $src of $digest: $(du -sk "$target" | cut -f1) KiB"',
].join("\n");

/** The container's command (run with the image's own entrypoint replaced by /bin/sh). */
export function fillArgs(sourcePath: string, pinnedImage: string): string[] {
    return ["-c", FILL_SCRIPT, "jhp-fill", sourcePath, pinnedImage];
}
