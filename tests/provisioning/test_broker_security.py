"""The generated broker config enforces mutual TLS, per-booth ACLs and revocation on a real Mosquitto."""

from __future__ import annotations

import queue
import stat

import pytest

from demo.client import wait_until
from tests.provisioning.conftest import Deployment, provision
from tests.provisioning.mqtt_probe import Probe, session_opens

A, B = "BD-1000-01", "BD-4000-01"
NOT_AUTHORISED = 135


def test_bundle_files_and_key_modes(deployment: Deployment) -> None:
    bundle = deployment.bundle(A)
    assert {p.name for p in bundle.iterdir()} == {"kiosk.toml", "ca.crt", "booth.crt", "booth.key"}
    for key in (bundle / "booth.key", deployment.home / "ca" / "ca.key", deployment.home / "hub" / "hub.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    conf = (deployment.home / "broker" / "mosquitto.conf").read_text()
    for line in conf.splitlines():
        for word in line.split()[1:]:
            if word.startswith("/"):
                assert word.startswith(str(deployment.home / "broker")), line  # self-contained


def test_a_booth_publishes_and_reads_only_its_own_subtree(deployment: Deployment) -> None:
    probe = Probe(deployment.port, A, deployment.bundle(A))
    assert probe.connect() == 0
    try:
        assert not probe.publish(f"dak/v1/booth/{A}/event").is_failure
        assert not probe.publish(f"dak/v1/booth/{A}/status").is_failure
        assert probe.publish(f"dak/v1/booth/{B}/event").value == NOT_AUTHORISED
        assert probe.publish(f"dak/v1/booth/{A}/ack").value == NOT_AUTHORISED  # only the hub acks
        assert probe.subscribe(f"dak/v1/booth/{A}/manifest").is_failure is False
    finally:
        probe.close()


def test_a_booth_never_receives_another_booths_messages(deployment: Deployment) -> None:
    hub = Probe(deployment.port, "hub-1", deployment.home / "hub", cert="hub")
    spy = Probe(deployment.port, A, deployment.bundle(A))
    owner = Probe(deployment.port, B, deployment.bundle(B))
    for probe in (hub, spy, owner):
        assert probe.connect() == 0
    try:
        # Mosquitto grants the subscription but its ACL filters every delivery.
        spy.subscribe(f"dak/v1/booth/{B}/manifest")
        spy.subscribe("dak/v1/booth/+/event")
        owner.subscribe(f"dak/v1/booth/{B}/manifest")
        assert not hub.publish(f"dak/v1/booth/{B}/manifest", b"secret").is_failure
        assert not owner.publish(f"dak/v1/booth/{B}/event", b"theirs").is_failure
        assert owner.wait("message") == (f"dak/v1/booth/{B}/manifest", b"secret")
        with pytest.raises(queue.Empty):
            spy.wait("message", timeout=1.5)
    finally:
        for probe in (hub, spy, owner):
            probe.close()


def test_the_hub_reads_every_booth_and_writes_acks(deployment: Deployment) -> None:
    hub = Probe(deployment.port, "hub-1", deployment.home / "hub", cert="hub")
    booth = Probe(deployment.port, A, deployment.bundle(A))
    assert hub.connect() == 0 and booth.connect() == 0
    try:
        assert hub.subscribe("$share/hub/dak/v1/booth/+/event").is_failure is False
        assert booth.subscribe(f"dak/v1/booth/{A}/ack").is_failure is False
        assert not booth.publish(f"dak/v1/booth/{A}/event", b'{"x": 1}').is_failure
        assert hub.wait("message") == (f"dak/v1/booth/{A}/event", b'{"x": 1}')
        assert not hub.publish(f"dak/v1/booth/{A}/ack", b'{"upto": 1}').is_failure
        assert booth.wait("message") == (f"dak/v1/booth/{A}/ack", b'{"upto": 1}')
    finally:
        hub.close()
        booth.close()


def test_no_certificate_no_session(deployment: Deployment) -> None:
    assert session_opens(deployment.port, A, deployment.bundle(A))  # the check itself can succeed
    assert not session_opens(deployment.port, A, None)  # plain MQTT on the TLS port
    stranger = deployment.home.parent / "stranger"
    assert provision(stranger, "init", "--hub-host", "127.0.0.1").returncode == 0
    assert provision(stranger, "add-booth", A).returncode == 0
    assert not session_opens(deployment.port, A, stranger / "booths" / A)  # another CA's certificate


def test_a_booth_cannot_claim_another_id(deployment: Deployment) -> None:
    probe = Probe(deployment.port, B, deployment.bundle(A))  # A's certificate, B's client id
    assert probe.connect() == 0
    try:
        assert probe.publish(f"dak/v1/booth/{B}/event").value == NOT_AUTHORISED  # the CN decides, not the id
    finally:
        probe.close()


def test_a_revoked_booth_cannot_connect(deployment: Deployment) -> None:
    assert session_opens(deployment.port, A, deployment.bundle(A))
    result = provision(deployment.home, "revoke", A)
    assert result.returncode == 0, result.stderr
    assert "broker reloaded" in result.stdout  # the running broker rereads its CRL and ACL
    wait_until(
        lambda: not session_opens(deployment.port, A, deployment.bundle(A)), timeout=5, what="the reload"
    )
    other = Probe(deployment.port, B, deployment.bundle(B))
    assert other.connect() == 0
    other.close()
    assert A not in (deployment.home / "broker" / "acl").read_text()
    deployment.restart_broker()
    assert not session_opens(deployment.port, A, deployment.bundle(A))  # and after a restart


def test_bad_commands_are_refused(deployment: Deployment) -> None:
    assert provision(deployment.home, "add-booth", "not-a-booth").returncode != 0
    assert provision(deployment.home, "add-booth", A).returncode != 0  # already enrolled
    assert provision(deployment.home, "revoke", "BD-9999-99").returncode != 0
    assert provision(deployment.home, "init", "--hub-host", "x").returncode != 0  # already initialised


def test_rotation_replaces_the_certificate_and_refuses_the_old_one(deployment: Deployment) -> None:
    bundle = deployment.bundle(A)
    old = deployment.home.parent / "old-bundle"
    old.mkdir()
    for name in ("ca.crt", "booth.crt", "booth.key"):
        (old / name).write_bytes((bundle / name).read_bytes())
    (bundle / "kiosk.toml").write_text((bundle / "kiosk.toml").read_text() + "# the technician's edit\n")
    result = provision(deployment.home, "rotate", A)
    assert result.returncode == 0, result.stderr
    wait_until(lambda: not session_opens(deployment.port, A, old), timeout=5, what="the reload")
    assert session_opens(deployment.port, A, bundle)
    assert "# the technician's edit" in (bundle / "kiosk.toml").read_text()


def test_bulk_add_checks_every_line_before_issuing_any(deployment: Deployment) -> None:
    bad = deployment.home.parent / "bad.csv"
    bad.write_text("booth_id,name,postcode\nBD-5000-01,Rajshahi,6000\nBD-5000-01,again,6000\n")
    result = provision(deployment.home, "bulk-add", str(bad))
    assert result.returncode != 0 and "line 3" in result.stderr
    assert not deployment.bundle("BD-5000-01").exists()

    good = deployment.home.parent / "good.csv"
    good.write_text(
        "booth_id,name,postcode\n" + "".join(f"BD-{6000 + i}-01,ডাকঘর {i},{6000 + i}\n" for i in range(5))
    )
    result = provision(deployment.home, "bulk-add", str(good))
    assert result.returncode == 0, result.stderr
    for i in range(5):
        assert session_opens(deployment.port, f"BD-{6000 + i}-01", deployment.bundle(f"BD-{6000 + i}-01"))
