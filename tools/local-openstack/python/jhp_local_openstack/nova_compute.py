"""Entry point of nova-compute with the restoring fake driver.

nova loads its virt driver as ``nova.virt.<compute_driver>``; the driver lives here, outside
the Debian package, so it is registered under that name before nova-compute starts.
"""
import sys

# nova.cmd monkey-patches eventlet on import; it must come before any other nova module.
import nova.cmd.compute  # noqa: E402  (import order is the point)

from jhp_local_openstack import nova_fake  # noqa: E402

sys.modules["nova.virt.jhp_fake"] = nova_fake


def main():
    sys.argv[0] = "nova-compute"
    return nova.cmd.compute.main()


if __name__ == "__main__":
    sys.exit(main())
