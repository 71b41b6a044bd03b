"""The hub's pre-spawn hooks for per-user home quotas, against the real helper scripts."""

import asyncio
import json
import os
import time
from types import SimpleNamespace

import pytest

import platform_homes
from conftest import fake_spawner, free_port
from platform_homes import HomeProvisionError

IN_IMAGE = os.environ.get("JHP_IN_IMAGE") == "1"


def run(coro):
    return asyncio.run(coro)


def docker_spawner(name):
    """A real DockerSpawner when dockerspawner is installed (always in the hub image)."""
    try:
        from dockerspawner import DockerSpawner
    except ImportError:
        if IN_IMAGE:
            raise
        return fake_spawner(name)
    return DockerSpawner(user=SimpleNamespace(name=name, id=1, url=f"/user/{name}/"))


# ── docker-vm: jhp-home-provision behind the unix socket ─────────────────────────────────────


def test_docker_hook_provisions_home_with_quota(vm):
    srv = vm.start()
    name = run(platform_homes.provision_docker_home(docker_spawner("alice"), srv.path, timeout=10))
    assert name == "alice"
    assert (vm.homes / "alice" / ".stub-subvolume").is_file()
    assert f"btrfs qgroup limit 123456 {vm.homes}/alice" in vm.stub.calls()


def test_docker_hook_sends_dockerspawners_escaped_name(vm):
    srv = vm.start()
    name = run(platform_homes.provision_docker_home(docker_spawner("a.b@x"), srv.path, timeout=10))
    # escapism with safe a-z0-9 and '-' as escape character: DockerSpawner's {username}.
    assert name == "a-2eb-40x"
    assert (vm.homes / "a-2eb-40x").is_dir()


def test_docker_hook_is_idempotent(vm):
    srv = vm.start()
    for _ in range(2):
        run(platform_homes.provision_docker_home(docker_spawner("bob"), srv.path, timeout=10))
    calls = vm.stub.calls()
    assert calls.count(f"btrfs subvolume create {vm.homes}/bob") == 1
    assert calls.count(f"btrfs qgroup limit 123456 {vm.homes}/bob") == 2


def test_docker_hook_reports_the_helpers_error(vm):
    (vm.homes / "carol").write_text("not a subvolume")
    srv = vm.start()
    with pytest.raises(HomeProvisionError, match="exists and is not a subvolume"):
        run(platform_homes.provision_docker_home(docker_spawner("carol"), srv.path, timeout=10))


def test_docker_hook_fails_when_the_helper_dies_without_answer(vm):
    srv = vm.start(STUB_FAIL="1")
    with pytest.raises(HomeProvisionError, match="without an answer"):
        run(platform_homes.provision_docker_home(docker_spawner("dave"), srv.path, timeout=10))


def test_docker_hook_rejects_a_wrong_answer(unix_helper):
    def answer_for_someone_else(conn):
        conn.recv(100)
        conn.sendall(b"ok mallory\n")

    srv = unix_helper(respond=answer_for_someone_else)
    with pytest.raises(HomeProvisionError, match=r"answered 'ok mallory' instead of 'ok erin'"):
        run(platform_homes.provision_docker_home(docker_spawner("erin"), srv.path, timeout=5))
    assert srv.connections == 1


def test_docker_hook_fails_when_the_helper_is_down(tmp_path):
    with pytest.raises(HomeProvisionError, match="unreachable"):
        run(platform_homes.provision_docker_home(docker_spawner("frank"), str(tmp_path / "absent.sock"), timeout=5))


def test_docker_hook_fails_on_a_stale_socket(unix_helper):
    srv = unix_helper(respond=lambda conn: None)
    srv.shutdown()
    srv.server_close()  # the socket file stays, nobody listens: connection refused
    assert os.path.exists(srv.path)
    with pytest.raises(HomeProvisionError, match="unreachable"):
        run(platform_homes.provision_docker_home(docker_spawner("grace"), srv.path, timeout=5))


def test_docker_hook_times_out_on_a_silent_helper(unix_helper):
    def never_answer(conn):
        conn.recv(100)
        time.sleep(3)

    srv = unix_helper(respond=never_answer)
    with pytest.raises(HomeProvisionError, match="did not answer"):
        run(platform_homes.provision_docker_home(docker_spawner("heidi"), srv.path, timeout=0.5))


def test_docker_hook_refuses_names_the_helper_cannot_take(unix_helper):
    srv = unix_helper(respond=lambda conn: conn.sendall(b"ok x\n"))
    # '_x' escapes to '-5fx', which the helper's name check refuses: fail before calling it.
    with pytest.raises(HomeProvisionError, match="cannot provision a home"):
        run(platform_homes.provision_docker_home(docker_spawner("_x"), srv.path, timeout=5))
    assert srv.connections == 0


def test_chain_hooks_runs_sync_and_async_hooks_in_order_and_stops_on_failure():
    seen = []

    def profile(sp):
        seen.append("profile")

    async def home(sp):
        seen.append("home")
        raise HomeProvisionError("no home")

    async def never(sp):
        seen.append("never")

    hook = platform_homes.chain_hooks(profile, None, home, never)
    with pytest.raises(HomeProvisionError):
        run(hook(fake_spawner("ivan")))
    assert seen == ["profile", "home"]


# ── kubernetes: jhp-gluster-home over TCP, then the PV ──────────────────────────────────────


def kube_spawner(name):
    from kubespawner.slugs import safe_slug

    slug = safe_slug(name, max_length=48)
    return fake_spawner(name, pvc_name=f"claim-{slug}", namespace="jupyterhub")


def provision(g, spawner, core_v1, timeout=10):
    async def go():
        api = core_v1.make()
        try:
            return await platform_homes.provision_kube_home(spawner, str(g.config), str(g.token), api=api, timeout=timeout)
        finally:
            await core_v1.holder["client"].close()

    return run(go())


def test_kube_hook_makes_directory_quota_and_pv(gluster, kube_api, core_v1):
    name = provision(gluster, kube_spawner("alice"), core_v1)
    assert name == "home-jupyterhub-alice"
    assert (gluster.admin / "alice").is_dir()
    assert "gluster --mode=script volume quota homes limit-usage /alice 524288000" in gluster.stub.calls()
    [(path, pv)] = kube_api.requests
    assert path == "/api/v1/persistentvolumes"
    assert pv["metadata"]["name"] == "home-jupyterhub-alice"
    assert pv["metadata"]["labels"]["jupyterhub-platform/home-of"] == "alice"
    assert pv["spec"]["hostPath"] == {"path": "/mnt/homes/alice", "type": "Directory"}
    assert pv["spec"]["claimRef"] == {"namespace": "jupyterhub", "name": "claim-alice"}
    assert pv["spec"]["storageClassName"] == "gluster-homes"
    assert pv["spec"]["capacity"] == {"storage": "524288000"}
    assert "{username}" not in json.dumps(pv)


def test_kube_hook_uses_kubespawners_slug_and_claim(gluster, kube_api, core_v1):
    spawner = kube_spawner("Dr.Who@example.org")
    provision(gluster, spawner, core_v1)
    slug = spawner.pvc_name[len("claim-") :]
    assert slug != "Dr.Who@example.org" and slug.islower()
    assert (gluster.admin / slug).is_dir()
    [(_, pv)] = kube_api.requests
    assert pv["spec"]["claimRef"]["name"] == spawner.pvc_name
    assert pv["spec"]["hostPath"]["path"] == f"/mnt/homes/{slug}"


def test_kube_hook_accepts_an_existing_pv(gluster, kube_api, core_v1):
    kube_api.status = 409
    assert provision(gluster, kube_spawner("bob"), core_v1) == "home-jupyterhub-bob"
    assert len(kube_api.requests) == 1


def test_kube_hook_fails_when_the_pv_is_refused(gluster, kube_api, core_v1):
    kube_api.status = 403
    with pytest.raises(HomeProvisionError, match="cannot create PersistentVolume home-jupyterhub-carol: 403"):
        provision(gluster, kube_spawner("carol"), core_v1)


def test_kube_hook_fails_on_a_wrong_token_and_creates_no_pv(gluster, kube_api, core_v1):
    gluster.token.write_text("wrong")
    with pytest.raises(HomeProvisionError, match="error unauthorized"):
        provision(gluster, kube_spawner("dave"), core_v1)
    assert not (gluster.admin / "dave").exists()
    assert kube_api.requests == []


def test_kube_hook_fails_when_the_quota_cannot_be_set(gluster, kube_api, core_v1):
    gluster.srv.env = dict(gluster.srv.env, STUB_FAIL="1")
    with pytest.raises(HomeProvisionError, match="cannot set the quota of /erin"):
        provision(gluster, kube_spawner("erin"), core_v1)
    assert kube_api.requests == []


def test_kube_hook_fails_when_every_helper_is_down(gluster, kube_api, core_v1):
    (gluster.config / "helperPort").write_text(str(free_port()))
    with pytest.raises(HomeProvisionError, match="no storage node provisioned the home.*unreachable"):
        provision(gluster, kube_spawner("frank"), core_v1)
    assert kube_api.requests == []


def test_kube_hook_falls_back_to_the_next_storage_node(gluster, kube_api, core_v1):
    # 127.0.0.2 is loopback too, but nothing listens there: refused, then 127.0.0.1 answers.
    (gluster.config / "helperHosts").write_text("127.0.0.2,127.0.0.1")
    assert provision(gluster, kube_spawner("grace"), core_v1) == "home-jupyterhub-grace"
    assert gluster.srv.connections == 1


def test_kube_hook_rejects_a_wrong_answer(gluster, tcp_helper, kube_api, core_v1):
    def lie(conn):
        conn.recv(200)
        conn.sendall(b"ok somebody-else\n")

    liar = tcp_helper(respond=lie)
    (gluster.config / "helperPort").write_text(str(liar.port))
    with pytest.raises(HomeProvisionError, match="instead of 'ok heidi'"):
        provision(gluster, kube_spawner("heidi"), core_v1)
    assert kube_api.requests == []


def test_kube_hook_needs_its_config(gluster, core_v1, tmp_path):
    with pytest.raises(HomeProvisionError, match="homes-provisioner config"):
        run(platform_homes.provision_kube_home(kube_spawner("ivan"), str(tmp_path / "nothing"), str(gluster.token), api=object()))


def wait_bound(spawner, core_v1, timeout, poll=0.01):
    async def go():
        api = core_v1.make()
        try:
            return await platform_homes.wait_claim_bound(spawner, {"kind": "Pod"}, api=api, timeout=timeout, poll=poll)
        finally:
            await core_v1.holder["client"].close()

    return run(go())


def test_the_pod_waits_until_its_claim_is_bound(kube_api, core_v1):
    kube_api.claim_phases = ["Pending", "Pending", "Bound"]
    pod = wait_bound(kube_spawner("alice"), core_v1, timeout=10)
    assert pod == {"kind": "Pod"}
    gets = [path for path, body in kube_api.requests if body is None]
    assert gets == ["/api/v1/namespaces/jupyterhub/persistentvolumeclaims/claim-alice"] * 3


def test_a_claim_that_never_binds_fails_the_start_naming_it(kube_api, core_v1):
    kube_api.claim_phases = ["Pending"]
    with pytest.raises(platform_homes.HomeProvisionError, match=r"claim jupyterhub/claim-bob is not Bound after 0 s \(phase Pending\)"):
        wait_bound(kube_spawner("bob"), core_v1, timeout=0.2)
