/**
 * The VMs' root helpers (btrfs homes on the Docker VM, Gluster homes on storage nodes) share one
 * shape: a socket unit that accepts each connection and a one-shot service per connection that
 * talks over stdin/stdout. Rendering both from here keeps the two helpers' units alike.
 */

export interface AcceptSocket {
    description: string;
    /** A path (unix socket) or a port. */
    listen: string | number;
    /** Extra [Socket] lines, e.g. SocketMode/SocketGroup for a unix socket. */
    extra?: readonly string[];
}

export function acceptSocketUnit(s: AcceptSocket): string {
    return [
        "[Unit]",
        `Description=${s.description}`,
        "",
        "[Socket]",
        `ListenStream=${s.listen}`,
        ...(s.extra ?? []),
        "Accept=yes",
        "MaxConnections=16",
        "",
        "[Install]",
        "WantedBy=sockets.target",
        "",
    ].join("\n");
}

export interface PerConnectionService {
    description: string;
    /** [Unit] ordering/mount lines, e.g. After=glusterd.service. */
    unitExtra: readonly string[];
    execStart: string;
    timeoutSeconds: number;
}

export function perConnectionServiceUnit(s: PerConnectionService): string {
    return [
        "[Unit]",
        `Description=${s.description}`,
        ...s.unitExtra,
        "",
        "[Service]",
        "Type=oneshot",
        `ExecStart=${s.execStart}`,
        "StandardInput=socket",
        "StandardOutput=socket",
        "StandardError=journal",
        `TimeoutStartSec=${s.timeoutSeconds}`,
        "",
    ].join("\n");
}
