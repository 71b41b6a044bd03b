/**
 * The hub's configuration files as the program ships them: images/hub's jupyterhub_config.py,
 * its helper modules and page templates, mounted next to the config document in every
 * deployment (uploads on Docker, the hub ConfigMap on Kubernetes), plus hub.auth.caBundle. The
 * hub image only has to bring JupyterHub and the packages the config needs.
 */
import * as fs from "fs";
import * as path from "path";
import { HUB_CA_BUNDLE_PATH, HUB_PATHS } from "./contract";

/** images/hub in this repository. */
export const HUB_FILES_DIR = path.resolve(__dirname, "..", "..", "images", "hub");

/** Files of images/hub the hub reads at start, relative to HUB_PATHS.configDir. */
export const HUB_SCRIPTS = [
    "jupyterhub_config.py",
    "platform_homes.py",
    "platform_backup.py",
    "platform_dask.py",
    "platform_check.py",
    "platform_proxy.py",
    "platform_spawn.py",
] as const;

export interface HubFile {
    /** Path relative to HUB_PATHS.configDir (`templates/login.html`). */
    path: string;
    content: string;
}

/** The scripts and every template, read from `dir` (images/hub). */
export function readHubFiles(dir: string = HUB_FILES_DIR): HubFile[] {
    const templates = fs
        .readdirSync(path.join(dir, "templates"))
        .filter((f) => f.endsWith(".html"))
        .sort()
        .map((f) => `templates/${f}`);
    return [...HUB_SCRIPTS, ...templates].map((rel) => ({ path: rel, content: fs.readFileSync(path.join(dir, rel), "utf8") }));
}

/** The files plus the CA bundle when one is configured. */
export function hubFilesWith(files: readonly HubFile[], caBundle: string | undefined): HubFile[] {
    const relCa = path.posix.relative(HUB_PATHS.configDir, HUB_CA_BUNDLE_PATH);
    return [...files, ...(caBundle !== undefined ? [{ path: relCa, content: caBundle }] : [])];
}

/** Absolute path of a hub file inside the hub container. */
export function hubFilePath(file: HubFile): string {
    return path.posix.join(HUB_PATHS.configDir, file.path);
}

/**
 * ConfigMap keys cannot hold a `/`: each file's key is its base name (which must be unique), and
 * the volume's `items` put it back at its path.
 */
export function configMapKey(file: HubFile): string {
    return path.posix.basename(file.path);
}
