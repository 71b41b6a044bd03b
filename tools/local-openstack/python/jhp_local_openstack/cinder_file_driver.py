"""Cinder's fake volume driver with every volume backed by a sparse file.

``cinder.tests.fake_driver.FakeLoggingVolumeDriver`` (shipped in Debian's python3-cinder)
answers every call without storage. It inherits the LVM driver's image copy, which would write
the image to /dev/mapper/cinder--volumes-…; this machine has no LVM or device-mapper. Here each
volume is a sparse file under ``$state_path/fake-volumes``, so creating a volume from a Glance
image really downloads and converts the image (qemu-img) into it, and uploads, clones and
snapshots copy real bytes. Attachments stay fake: the connection info the fake driver returns is
only recorded by nova's fake virt driver.
"""
import os
import subprocess

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import units

from cinder.tests import fake_driver

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class FileBackedFakeDriver(fake_driver.FakeLoggingVolumeDriver):
    VERSION = "1.0.0"

    def _dir(self):
        path = os.path.join(CONF.state_path, "fake-volumes")
        os.makedirs(path, exist_ok=True)
        return path

    def local_path(self, volume, vg=None):
        return os.path.join(self._dir(), volume["name"])

    def _resize(self, obj, size_gb):
        # Sparse: a 500 GB volume takes no space until written.
        with open(self.local_path(obj), "ab") as f:
            f.truncate(int(size_gb) * units.Gi)

    def _copy(self, src, dst, size_gb=None):
        # coreutils' cp skips the holes (SEEK_DATA), so a mostly empty 500 GB file copies fast.
        subprocess.run(["cp", "--sparse=always", self.local_path(src), self.local_path(dst)], check=True)
        if size_gb is not None:
            self._resize(dst, size_gb)

    def _remove(self, obj):
        try:
            os.unlink(self.local_path(obj))
        except FileNotFoundError:
            pass

    def create_volume(self, volume):
        update = super().create_volume(volume)
        self._resize(volume, volume["size"])
        return update

    def delete_volume(self, volume):
        self._remove(volume)

    def extend_volume(self, volume, new_size):
        self._resize(volume, new_size)

    def copy_image_to_volume(self, context, volume, image_service, image_id):
        # qemu-img writes a raw file of the image's virtual size; give it the volume's size back.
        super().copy_image_to_volume(context, volume, image_service, image_id)
        self._resize(volume, volume["size"])

    def create_cloned_volume(self, volume, src_vref):
        self._copy(src_vref, volume, volume["size"])

    def create_snapshot(self, snapshot):
        self._copy(snapshot.volume, snapshot)

    def delete_snapshot(self, snapshot):
        self._remove(snapshot)

    def create_volume_from_snapshot(self, volume, snapshot):
        self._copy(snapshot, volume, volume["size"])
