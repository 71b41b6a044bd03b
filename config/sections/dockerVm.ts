/** dockerVm.*: the docker-vm topology on an existing VM (dockerVm.host) instead of one made on OpenStack. */
import type { ConfigReader } from "../reader";
import { isSshPublicKey } from "../formats";
import type { ExistingDockerHost } from "../types";

/** How many characters of a volume ID the VM sees as the disk's serial (virtio-blk's limit, as Cinder attaches it). */
export const VOLUME_SERIAL_LENGTH = 20;

const HOST_ALLOWED = "ssh://user@host or ssh://user@host:port (a user name, a host name or IPv4 address, an optional port)";

/** ssh://user@host[:port] → its parts, or undefined. */
export function parseSshHostUrl(text: string): { user: string; host: string; port?: number } | undefined {
    const m = /^ssh:\/\/([a-z_][a-z0-9_-]{0,31})@([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(text);
    if (!m) {
        return undefined;
    }
    const port = m[3] === undefined ? undefined : Number(m[3]);
    if (port !== undefined && (port < 1 || port > 65535)) {
        return undefined;
    }
    return { user: m[1], host: m[2], ...(port === undefined ? {} : { port }) };
}

/** The existing host, or undefined when dockerVm.host is empty (the VM is made on OpenStack). */
export function readDockerVmHost(r: ConfigReader): ExistingDockerHost | undefined {
    const url = r.optStr("dockerVm.host");
    if (url === undefined) {
        return undefined;
    }
    const target = parseSshHostUrl(url);
    if (!target) {
        r.bad("dockerVm.host", url, HOST_ALLOWED);
    }
    const sshPublicKey = r.optStr("dockerVm.sshPublicKey");
    if (sshPublicKey !== undefined && !isSshPublicKey(sshPublicKey)) {
        r.bad("dockerVm.sshPublicKey", `${sshPublicKey.slice(0, 20)}…`, "one OpenSSH public key line (ssh-ed25519 AAAA... comment)");
    }
    const volume = (key: string): string => {
        const id = r.optStr(key);
        if (id === undefined) {
            r.need(key, "is required with dockerVm.host: the user-data prepares the disk with this ID (or serial)");
            return "";
        }
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id)) {
            r.bad(key, id, "a volume ID or disk serial: letters, digits, '-' and '_', at most 64 characters");
        }
        return id;
    };
    const docker = volume("dockerVm.volumes.docker");
    const home = volume("dockerVm.volumes.home");
    if (docker !== "" && docker.slice(0, VOLUME_SERIAL_LENGTH) === home.slice(0, VOLUME_SERIAL_LENGTH)) {
        r.bad(
            "dockerVm.volumes.home",
            home,
            `an ID whose first ${VOLUME_SERIAL_LENGTH} characters differ from dockerVm.volumes.docker's`,
            "the VM would find the same disk for both",
        );
    }
    return {
        url,
        user: target?.user ?? "",
        host: target?.host ?? "",
        ...(target?.port === undefined ? {} : { port: target.port }),
        ...(sshPublicKey === undefined ? {} : { sshPublicKey }),
        volumeIds: { docker, home },
    };
}
