"""The backup runner's pure parts and its restic and sqlite steps, for real (images/hub/platform_backup.py).

In the hub image (npm run test:hub) restic and sqlite3 are the image's; the Docker one-shot
containers and the hub API are exercised end to end by `npm run e2e:backup`.
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import threading

import pytest

import platform_backup as pb

UTC = dt.timezone.utc


def t(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)


# The same cases as test/unit/config/cron.test.ts: the program validates, the runner matches.
def test_cron_minutes_hours_steps_ranges_lists():
    c = pb.Cron("*/20 8-10,14 * * *")
    assert c.matches(t("2026-01-05T08:40"))
    assert c.matches(t("2026-01-05T14:00"))
    assert not c.matches(t("2026-01-05T11:00"))
    assert not c.matches(t("2026-01-05T08:41"))


def test_cron_day_of_month_or_day_of_week():
    c = pb.Cron("0 0 1 * 1")
    assert c.matches(t("2026-01-01T00:00"))  # Thursday the 1st
    assert c.matches(t("2026-01-05T00:00"))  # a Monday
    assert not c.matches(t("2026-01-06T00:00"))


def test_cron_step_from_start_and_sunday_as_0_and_7():
    assert sorted(pb.Cron("5/30 * * * *").minutes) == [5, 35]
    assert sorted(pb.Cron("5,10/20 * * * *").minutes) == [5, 10, 30, 50]
    assert pb.Cron("0 0 * * 7").matches(t("2026-01-04T00:00"))
    assert pb.Cron("0 0 * * 0").matches(t("2026-01-04T00:00"))


@pytest.mark.parametrize("expr", ["* * * *", "60 * * * *", "* * 0 * *", "*/0 * * * *", "5-1 * * * *", "mon * * * *"])
def test_cron_rejects(expr):
    with pytest.raises(ValueError):
        pb.Cron(expr)


def test_status_warning():
    now = t("2026-01-10T12:00")
    assert "not running" in pb.status_warning(None, now)
    assert pb.status_warning({"ok": True, "lastSuccess": "2026-01-10T03:17:00Z", "maxAgeSeconds": 172800}, now) == ""
    old = pb.status_warning({"ok": True, "lastSuccess": "2026-01-07T03:17:00Z", "maxAgeSeconds": 172800}, now)
    assert "hours ago" in old and "48.0 h" in old
    failed = pb.status_warning({"ok": False, "lastAttempt": "2026-01-10T03:17:00Z", "error": "restic backup failed"}, now)
    assert failed.startswith("The last backup (2026-01-10T03:17:00Z) failed: restic backup failed")
    # A runner that started long ago and never succeeded is overdue too.
    assert "No backup has succeeded" in pb.status_warning({"startedAt": "2026-01-01T00:00:00Z", "maxAgeSeconds": 3600}, now)


def test_status_file_is_replaced_atomically(tmp_path):
    path = tmp_path / "status.json"
    pb.write_status(path, {"ok": True})
    assert json.loads(path.read_text()) == {"ok": True}
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert not (tmp_path / "status.json.tmp").exists()


def test_forget_args_per_host_and_tags():
    assert pb.forget_args({"daily": 7, "weekly": 0, "monthly": 6}, "local") == [
        "forget", "--prune", "--group-by", "host,tags", "--host", "local", "--keep-daily", "7", "--keep-monthly", "6",
    ]


def test_dump_commands_never_carry_the_password():
    cmd, name = pb.dump_command("postgresql+psycopg2://hub:s3cret@db.example.org:5432/jupyterhub")
    assert cmd[0] == "pg_dump" and name == "hub-db.sql"
    assert "postgresql://hub:s3cret@db.example.org:5432/jupyterhub" in cmd  # libpq reads it; PGPASSWORD is also set
    cmd, _ = pb.dump_command("mysql+pymysql://hub:s3cret@db:3306/jupyterhub")
    assert cmd[:2] == ["mysqldump", "--single-transaction"] and "s3cret" not in " ".join(cmd)
    with pytest.raises(pb.BackupError):
        pb.dump_command("oracle://x/y")


def test_restic_environment_passes_only_restic_s3_swift_and_db():
    env = {"RESTIC_PASSWORD": "p", "AWS_ACCESS_KEY_ID": "a", "OS_AUTH_URL": "u", "PLATFORM_DB_URL": "d",
           "PLATFORM_BACKUP_TOKEN": "t", "PATH": "/bin"}
    assert pb.restic_environment(env) == {"RESTIC_PASSWORD": "p", "AWS_ACCESS_KEY_ID": "a", "OS_AUTH_URL": "u", "PLATFORM_DB_URL": "d"}


def test_sqlite_snapshot_is_consistent_while_a_writer_commits(tmp_path):
    """The online backup API from a read-only open, while another connection keeps writing."""
    db = tmp_path / "jupyterhub.sqlite"
    con = sqlite3.connect(db)
    con.execute("create table t (i integer, pad text)")
    con.commit()
    stop = threading.Event()

    def writer():
        w = sqlite3.connect(db, timeout=30)
        i = 0
        while not stop.is_set() and i < 5000:
            w.execute("insert into t values (?, ?)", (i, "x" * 500))
            w.commit()
            i += 1
        w.close()

    th = threading.Thread(target=writer)
    th.start()
    try:
        for n in range(3):
            out = tmp_path / f"snap{n}.sqlite"
            pb.sqlite_snapshot(str(db), str(out))
            s = sqlite3.connect(out)
            count, top = s.execute("select count(*), coalesce(max(i), -1) from t").fetchone()
            s.close()
            assert count == top + 1, "a snapshot holds a prefix of the committed rows, nothing torn"
    finally:
        stop.set()
        th.join()
    with pytest.raises(pb.BackupError):
        pb.sqlite_snapshot(str(tmp_path / "missing.sqlite"), str(tmp_path / "x.sqlite"))


@pytest.mark.skipif(shutil.which("restic") is None, reason="restic is in the hub image (npm run test:hub)")
def test_restic_backup_restore_and_retention_for_real(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTIC_REPOSITORY", str(tmp_path / "repo"))
    monkeypatch.setenv("RESTIC_PASSWORD", "correct horse battery")
    home = tmp_path / "home-data"
    (home / "sub").mkdir(parents=True)
    (home / "sub" / "notes.txt").write_text("hello")
    assert pb.ensure_repository() is True
    assert pb.ensure_repository() is False
    pb.inner_backup_path(str(home), "unit", ["home", pb.user_tag("alice")])
    pb.inner_backup_path(str(home), "unit", ["home", pb.user_tag("bob")])
    snaps = pb.snapshots([pb.user_tag("alice")], host="unit")
    assert len(snaps) == 1 and snaps[0]["paths"] == [str(home)]
    (home / "sub" / "notes.txt").write_text("changed")
    (home / "extra.txt").write_text("not in the snapshot")
    pb.inner_restore_path(snaps[0]["id"], str(home))
    assert (home / "sub" / "notes.txt").read_text() == "hello"
    assert not (home / "extra.txt").exists(), "a restore replaces the home, it does not merge"
    pb.restic(pb.forget_args({"daily": 1}, "unit"))
    assert len(pb.snapshots([], host="unit")) == 2, "one per user: retention groups by tags"
    with pytest.raises(pb.BackupError):
        pb.restic(["restore", "deadbeef", "--target", str(tmp_path / "x")])


# ── Kubernetes: the per-claim Job the runner creates (the API calls run only on a cluster) ───

KUBE = {
    "namespace": "jupyterhub",
    "image": "registry.example.org/jupyter/hub@sha256:" + "a" * 64,
    "claimPrefix": "claim-",
    "podPrefix": "jupyter-",
    "hubDbPvc": "hub-db-dir",
    "hubDataMount": "/hub-data",
    "hubDeployment": "hub",
    "statusConfigMap": "backup-status",
    "secretName": "backup-env",
    "serviceAccount": "backup",
    "jobPrefix": "backup-",
    "repositoryPvc": None,
    "nodeSelector": {"role": "core"},
    "imagePullSecrets": ["image-pull-secret"],
    "labels": {"app": "jupyterhub", "release": "jupyterhub", "component": "backup"},
}


def test_kube_home_job_reads_one_claim_with_only_dac_read_search():
    job = pb.kube_job(KUBE, "home", "alice", ["python3", "x"], pb.READ_CAPS, claim="claim-alice")
    assert job["metadata"]["name"].startswith("backup-home-alice-")
    assert len(job["metadata"]["name"]) <= 63
    spec = job["spec"]["template"]["spec"]
    assert job["spec"]["backoffLimit"] == 0 and spec["restartPolicy"] == "Never"
    assert spec["volumes"][0] == {"name": "data", "persistentVolumeClaim": {"claimName": "claim-alice", "readOnly": True}}
    c = spec["containers"][0]
    assert c["image"] == KUBE["image"]
    assert c["envFrom"] == [{"secretRef": {"name": "backup-env"}}]
    assert {"name": "data", "mountPath": "/home-data", "readOnly": True} in c["volumeMounts"]
    assert c["securityContext"] == {
        "runAsUser": 0,
        "runAsGroup": 0,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": ["DAC_READ_SEARCH"]},
    }
    assert spec["automountServiceAccountToken"] is False, "a restic job needs no API access"
    assert spec["nodeSelector"] == {"role": "core"}
    assert spec["imagePullSecrets"] == [{"name": "image-pull-secret"}]


def test_kube_restore_job_writes_and_a_volume_repository_is_mounted():
    k = dict(KUBE, repositoryPvc="backups")
    job = pb.kube_job(k, "restore", "hub-db", ["python3"], pb.WRITE_CAPS, claim="hub-db-dir", read_only=False, mount="/hub-data")
    spec = job["spec"]["template"]["spec"]
    assert {"name": "repository", "persistentVolumeClaim": {"claimName": "backups"}} in spec["volumes"]
    mounts = spec["containers"][0]["volumeMounts"]
    assert {"name": "data", "mountPath": "/hub-data", "readOnly": False} in mounts
    assert {"name": "repository", "mountPath": "/repo"} in mounts
    assert spec["containers"][0]["securityContext"]["capabilities"]["add"] == ["CHOWN", "DAC_OVERRIDE", "FOWNER"]


def test_kube_job_names_stay_valid_for_long_user_names():
    job = pb.kube_job(KUBE, "home", "a" * 80, ["x"], pb.READ_CAPS, claim="claim-" + "a" * 80)
    name = job["metadata"]["name"]
    assert len(name) <= 63 and name[-1].isalnum()
