"""Send lines to a unix or TCP socket and print the answer (the hub's side of the home helpers)."""
import socket
import sys


def main() -> None:
    kind, address, *lines = sys.argv[1:]
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(address)
    else:
        host, port = address.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    s.settimeout(30)
    with s:
        s.sendall(("\n".join(lines) + "\n").encode())
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    sys.stdout.write(data.decode())


if __name__ == "__main__":
    main()
