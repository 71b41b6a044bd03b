"""Entry point of neutron-server with every SQLAlchemy mapper configured before it forks.

Zed's ``get_ports`` reads ``models_v2.Port.port_forwardings``, a backref that exists only once
SQLAlchemy has configured the mappers, which happens on a process's first query. In a worker
whose first database call is ``get_ports`` (the first ``GET /v2.0/ports`` of an API worker,
the L3 plugin's periodic ``_clean_garbage``) it fails with AttributeError
(https://bugs.launchpad.net/neutron/+bug/2028285). Importing every model and configuring the
mappers in the parent, before the workers are forked, avoids it.

The ML2 plugin is imported before the models: ``standardattrdescription_db`` computes the list of
resources whose ``description`` it returns when it is first imported, from the models imported
by then. Imported by ``head`` (before the security group models), it left out security groups and
their rules: rule descriptions were stored but never returned, so every client saw ``null`` and
Terraform/Pulumi planned a replacement of every rule on each run. neutron-server's own order
(the plugin first) returns them.
"""
import sys

# neutron.cmd.eventlet monkey-patches eventlet on import; it must come first.
import neutron.cmd.eventlet.server  # noqa: E402  (import order is the point)

import neutron.plugins.ml2.plugin  # noqa: E402,F401  (before head: see the docstring)
from neutron.db.migration.models import head  # noqa: E402,F401  (imports every model)
from sqlalchemy import orm  # noqa: E402


def main():
    orm.configure_mappers()
    sys.argv[0] = "neutron-server"
    return neutron.cmd.eventlet.server.main()


if __name__ == "__main__":
    sys.exit(main())
