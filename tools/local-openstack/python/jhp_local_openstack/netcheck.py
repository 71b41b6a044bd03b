"""Refuse an external range that would capture traffic this machine needs.

    python3 -m jhp_local_openstack.netcheck CIDR HOST...

up.sh puts an address of CIDR on a bridge of the host, which makes CIDR a connected route that
wins over the default route. Exit status 1, with the reasons, when CIDR overlaps a route other
than the default one, an address of this host, a resolver of /etc/resolv.conf or an address a
HOST (a package registry) resolves to. On this machine, for example, every registry resolves to
203.0.113.80, so TEST-NET-3 cannot be used.
"""
import ipaddress
import json
import socket
import subprocess
import sys


def main(argv):
    if len(argv) < 2:
        sys.exit(f"usage: {argv[0]} CIDR HOST...")
    net = ipaddress.ip_network(argv[1], strict=True)
    problems = []

    routes = json.loads(subprocess.run(["ip", "-j", "-4", "route", "show", "table", "all"], capture_output=True, check=True).stdout)
    for r in routes:
        dst = r.get("dst", "")
        if dst in ("default", "") or r.get("type") in ("local", "broadcast"):
            continue
        try:
            route_net = ipaddress.ip_network(dst if "/" in dst else f"{dst}/32", strict=False)
        except ValueError:
            continue
        if route_net.overlaps(net):
            problems.append(f"route {dst} dev {r.get('dev', '?')} (table {r.get('table', 'main')})")

    addrs = json.loads(subprocess.run(["ip", "-j", "-4", "addr", "show"], capture_output=True, check=True).stdout)
    for link in addrs:
        for a in link.get("addr_info", []):
            if ipaddress.ip_address(a["local"]) in net:
                problems.append(f"address {a['local']} on {link['ifname']}")

    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    try:
                        if ipaddress.ip_address(parts[1]) in net:
                            problems.append(f"resolver {parts[1]}")
                    except ValueError:
                        pass
    except OSError:
        pass

    for host in argv[2:]:
        try:
            infos = socket.getaddrinfo(host, 443, socket.AF_INET, socket.SOCK_STREAM)
        except OSError:
            continue  # not resolvable here: it cannot be captured either
        for addr in sorted({i[4][0] for i in infos}):
            if ipaddress.ip_address(addr) in net:
                problems.append(f"{host} resolves to {addr}")

    for p in problems:
        print(f"netcheck: {net} overlaps {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
