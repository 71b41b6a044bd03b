"""nova's fake virt driver, surviving a restart of nova-compute.

The upstream ``nova.virt.fake.FakeDriver`` keeps its instances in memory only. After a restart
of the local cloud (``openstack:down`` then ``openstack:up``) it would not know the instances
the database still holds, so stopping (``stopBeforeDestroy``), rebooting or detaching from them
would fail with InstanceNotFound. This subclass re-registers, when nova-compute starts, every
instance the database places on this host, in the power state the database recorded.
"""
from nova import context as nova_context
from nova import objects
from nova.compute import power_state
from nova.virt import fake


class RestoringFakeDriver(fake.FakeDriver):
    def init_host(self, host):
        super().init_host(host)
        ctxt = nova_context.get_admin_context()
        instances = objects.InstanceList.get_by_host(ctxt, host, expected_attrs=["flavor"])
        for inst in instances:
            # NOSTATE: never spawned (failed or still building): nothing to restore.
            if inst.uuid in self.instances or inst.power_state == power_state.NOSTATE:
                continue
            self.instances[inst.uuid] = fake.FakeInstance(inst.name, inst.power_state, inst.uuid)
            self.resources.claim(vcpus=inst.flavor.vcpus, mem=inst.flavor.memory_mb, disk=inst.flavor.root_gb)
