"""Bootstrap and health checks of the local OpenStack, with Debian's openstacksdk.

    python3 -m jhp_local_openstack.bootstrap identity    # service users, catalog, test project
    python3 -m jhp_local_openstack.bootstrap neutron-rpc # bounded wait: neutron-server's RPC queues
    python3 -m jhp_local_openstack.bootstrap health      # bounded wait: every service up
    python3 -m jhp_local_openstack.bootstrap hypervisor  # bounded wait: the compute host mapped
    python3 -m jhp_local_openstack.bootstrap resources   # flavors, image, external net, quotas

Every step is idempotent (find, else create), so `openstack:up` can run it again. Values come
from the environment up.sh exports (config.sh and the run directory's secrets). One Python
process per step instead of dozens of `openstack` CLI calls (each pays a second of start-up).
"""
import os
import sys
import time

import openstack

E = os.environ


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} local-openstack: {msg}", file=sys.stderr, flush=True)


def admin_connection():
    return openstack.connect(
        auth_url=E["JHP_OS_AUTH_URL"],
        username="admin",
        password=E["JHP_OS_PW_ADMIN"],
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=E["JHP_OS_REGION"],
        interface="public",
        identity_api_version="3",
    )


def url(port, path=""):
    return f"http://{E['JHP_OS_HOST']}:{E[port]}{path}"


# name, type, URL of each API in the catalog (Keystone's own is made by `keystone-manage
# bootstrap`). Cinder is registered under both types clients look for.
def catalog():
    return [
        ("glance", "image", url("JHP_OS_GLANCE_PORT")),
        ("placement", "placement", url("JHP_OS_PLACEMENT_PORT")),
        ("nova", "compute", url("JHP_OS_NOVA_PORT", "/v2.1")),
        ("neutron", "network", url("JHP_OS_NEUTRON_PORT")),
        ("cinder", "block-storage", url("JHP_OS_CINDER_PORT", "/v3/%(project_id)s")),
        ("cinderv3", "volumev3", url("JHP_OS_CINDER_PORT", "/v3/%(project_id)s")),
    ]


SERVICE_USERS = ["glance", "placement", "nova", "neutron", "cinder"]


def ensure_role(idp, name):
    return idp.find_role(name) or idp.create_role(name=name)


def ensure_project(idp, name, description):
    return idp.find_project(name, domain_id="default") or idp.create_project(
        name=name, domain_id="default", description=description
    )


def ensure_user(idp, name, password, project):
    user = idp.find_user(name, domain_id="default")
    if user is None:
        user = idp.create_user(name=name, password=password, domain_id="default", default_project_id=project.id)
    return user


def identity():
    conn = admin_connection()
    idp = conn.identity
    admin = ensure_role(idp, "admin")
    member = ensure_role(idp, "member")
    # Cinder accepts nova's detach calls only with a service token of this role.
    service_role = ensure_role(idp, "service")
    service = ensure_project(idp, "service", "jupyterhub-platform local OpenStack: service users")
    for name in SERVICE_USERS:
        user = ensure_user(idp, name, E[f"JHP_OS_PW_{name.upper()}"], service)
        for role in (admin, service_role):
            idp.assign_project_role_to_user(service, user, role)

    region = E["JHP_OS_REGION"]
    for name, stype, endpoint_url in catalog():
        svc = next((s for s in idp.services() if s.name == name and s.type == stype), None)
        if svc is None:
            svc = idp.create_service(name=name, type=stype, description=f"{name} (local)")
        existing = {e.interface: e for e in idp.endpoints(service_id=svc.id)}
        for interface in ("public", "internal", "admin"):
            ep = existing.get(interface)
            if ep is None:
                idp.create_endpoint(service_id=svc.id, interface=interface, url=endpoint_url, region_id=region)
            elif ep.url != endpoint_url:
                idp.update_endpoint(ep, url=endpoint_url)

    project = ensure_project(idp, E["JHP_OS_PROJECT"], "jupyterhub-platform test stacks")
    user = ensure_user(idp, E["JHP_OS_USER"], E["JHP_OS_PW_USER"], project)
    idp.assign_project_role_to_user(project, user, member)
    log(f"identity ready: project {project.name}, user {user.name}, {len(catalog())} catalog services")


AGENT_PROCESSES = {
    "Linux bridge agent": "neutron-linuxbridge-agent",
    "DHCP agent": "neutron-dhcp-agent",
    "L3 agent": "neutron-l3-agent",
}


def _epoch(timestamp):
    """An API timestamp (UTC, with 'T' or ' ', maybe microseconds) in seconds since the epoch."""
    import datetime

    ts = timestamp.replace("T", " ").split(".")[0].rstrip("Z")
    return datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()


def health():
    """Bounded wait until every service reports itself up through its own API, with a heartbeat
    newer than its process (JHP_OS_STARTED: process=epoch ...): a heartbeat from before a restart
    still counts as "up" for a minute."""
    conn = admin_connection()
    host = E["JHP_OS_COMPUTE_HOST"]
    started = dict(kv.split("=") for kv in E.get("JHP_OS_STARTED", "").split())
    fresh = lambda process, ts: ts and _epoch(ts) >= int(started.get(process, 0)) - 1  # noqa: E731
    deadline = time.monotonic() + int(E["JHP_OS_START_TIMEOUT"])
    want_compute = {"nova-conductor", "nova-scheduler", "nova-compute"}
    want_volume = {"cinder-scheduler", "cinder-volume"}
    missing = []
    next_report = time.monotonic() + 20
    while True:
        missing = []
        try:
            services = conn.compute.get("/os-services").json()["services"]
            up = {
                s["binary"]
                for s in services
                if s["state"] == "up" and s["status"] == "enabled" and fresh(s["binary"], s["updated_at"])
            }
            missing += sorted(want_compute - up)
            vservices = conn.block_storage.get("/os-services").json()["services"]
            vup = {
                s["binary"]
                for s in vservices
                if s["state"] == "up" and s["status"] == "enabled" and fresh(s["binary"], s["updated_at"])
            }
            missing += sorted(want_volume - vup)
            agents = conn.network.get("/agents").json()["agents"]
            alive = {
                a["agent_type"]
                for a in agents
                if a["alive"]
                and a["admin_state_up"]
                and a["host"] == host
                and fresh(AGENT_PROCESSES.get(a["agent_type"], ""), a["heartbeat_timestamp"])
            }
            missing += sorted(set(AGENT_PROCESSES) - alive)
        except Exception as exc:  # an API still starting: retry until the deadline
            missing.append(f"API error: {exc}")
        if not missing:
            log("health: every compute, volume and network service is up")
            return
        if time.monotonic() > deadline:
            log(f"health: still not up after {E['JHP_OS_START_TIMEOUT']}s: {', '.join(missing)}")
            sys.exit(1)
        if time.monotonic() > next_report:
            log(f"health: waiting for {', '.join(missing)}")
            next_report = time.monotonic() + 20
        time.sleep(2)


def neutron_rpc():
    """Bounded wait until neutron-server consumes the RPC topics its agents call.

    An agent's first call to a topic nobody consumes yet is dropped by RabbitMQ; the agent then
    waits for the RPC timeout (60 s) and a back-off before it tries again. Starting the agents
    once these queues exist avoids that minute.
    """
    from urllib.parse import urlparse

    import amqp

    url = urlparse(E["JHP_OS_TRANSPORT"])
    queues = ["q-plugin", "q-l3-plugin", "q-reports-plugin"]
    deadline = time.monotonic() + int(E["JHP_OS_START_TIMEOUT"])
    while True:
        missing = []
        try:
            with amqp.Connection(f"{url.hostname}:{url.port}", userid=url.username, password=url.password, connect_timeout=5) as conn:
                conn.connect()
                for q in queues:
                    ch = conn.channel()
                    try:
                        ch.queue_declare(q, passive=True)
                    except amqp.exceptions.NotFound:
                        missing.append(q)
        except (OSError, amqp.exceptions.AMQPError) as exc:
            missing.append(f"RabbitMQ: {exc}")
        if not missing:
            return
        if time.monotonic() > deadline:
            log(f"neutron-server consumes no {', '.join(missing)} after {E['JHP_OS_START_TIMEOUT']}s")
            sys.exit(1)
        time.sleep(1)


def hypervisor():
    """Bounded wait until the compute host is mapped to its cell and listed as a hypervisor."""
    conn = admin_connection()
    host = E["JHP_OS_COMPUTE_HOST"]
    deadline = time.monotonic() + int(E["JHP_OS_START_TIMEOUT"])
    while True:
        hypervisors = conn.compute.get("/os-hypervisors").json().get("hypervisors", [])
        if any(h["hypervisor_hostname"] == host and h["state"] == "up" for h in hypervisors):
            return
        if time.monotonic() > deadline:
            log(f"hypervisor {host} not listed after {E['JHP_OS_START_TIMEOUT']}s")
            sys.exit(1)
        time.sleep(2)


def resources():
    conn = admin_connection()

    for spec in E["JHP_OS_FLAVOR_SPECS"].split():
        name, vcpus, ram, disk = spec.split(":")
        flavor = conn.compute.find_flavor(name)
        if flavor is None:
            conn.compute.create_flavor(name=name, vcpus=int(vcpus), ram=int(ram), disk=int(disk), is_public=True)
        elif (flavor.vcpus, flavor.ram, flavor.disk) != (int(vcpus), int(ram), int(disk)):
            log(f"flavor {name} exists with other sizes ({flavor.vcpus}/{flavor.ram}/{flavor.disk}); left alone")

    image_name = E["JHP_OS_IMAGE"]
    images = [i for i in conn.image.images(name=image_name) if i.status == "active"]
    if not images:
        conn.create_image(
            image_name,
            filename=E["JHP_OS_IMAGE_FILE"],
            disk_format="qcow2",
            container_format="bare",
            visibility="public",
            wait=True,
            timeout=120,
        )

    net_name = E["JHP_OS_EXT_NET"]
    net = conn.network.find_network(net_name)
    if net is None:
        net = conn.network.create_network(
            name=net_name,
            is_router_external=True,
            provider_network_type="flat",
            provider_physical_network=E["JHP_OS_EXT_PHYSNET"],
            description="jupyterhub-platform local OpenStack: floating IPs (on a bridge of this host only)",
        )
    subnet_name = f"{net_name}-subnet"
    subnet = conn.network.find_subnet(subnet_name, network_id=net.id)
    if subnet is not None and subnet.cidr != E["JHP_OS_EXT_CIDR"]:
        log(f"{subnet_name} is {subnet.cidr}, config.sh says {E['JHP_OS_EXT_CIDR']}: run `npm run openstack:down -- --purge`")
        sys.exit(1)
    if subnet is None:
        conn.network.create_subnet(
            name=subnet_name,
            network_id=net.id,
            ip_version=4,
            cidr=E["JHP_OS_EXT_CIDR"],
            gateway_ip=E["JHP_OS_EXT_GATEWAY"],
            allocation_pools=[{"start": E["JHP_OS_EXT_POOL_START"], "end": E["JHP_OS_EXT_POOL_END"]}],
            is_dhcp_enabled=False,
        )

    vtype = E["JHP_OS_VOLUME_TYPE"]
    if conn.block_storage.find_type(vtype) is None:
        conn.block_storage.create_type(name=vtype, extra_specs={"volume_backend_name": "fake"}, is_public=True)

    project = conn.identity.find_project(E["JHP_OS_PROJECT"], domain_id="default")
    q = lambda k: int(E[f"JHP_OS_QUOTA_{k}"])  # noqa: E731
    conn.set_compute_quotas(project.id, instances=q("INSTANCES"), cores=q("CORES"), ram=q("RAM_MB"))
    conn.set_volume_quotas(project.id, volumes=q("VOLUMES"), gigabytes=q("GIGABYTES"), snapshots=q("VOLUMES"))
    conn.set_network_quotas(
        project.id,
        port=q("PORTS"),
        floatingip=q("FLOATING_IPS"),
        security_group=q("SECGROUPS"),
        security_group_rule=q("SECGROUP_RULES"),
        network=q("NETWORKS"),
        subnet=q("SUBNETS"),
        router=q("ROUTERS"),
    )
    log(f"resources ready: flavors, image {image_name}, network {net_name}, volume type {vtype}, quotas of {project.name}")


STEPS = {
    "identity": identity,
    "neutron-rpc": neutron_rpc,
    "health": health,
    "hypervisor": hypervisor,
    "resources": resources,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or any(a not in STEPS for a in sys.argv[1:]):
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(STEPS)}}}...")
    for step in sys.argv[1:]:
        STEPS[step]()
