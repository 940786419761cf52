"""Hub configuration: defaults, path resolution and unknown keys."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from demo.processes import python_module
from hub.config import ConfigError, parse


def test_every_key_has_a_default(tmp_path: Path) -> None:
    cfg = parse("", tmp_path)
    assert cfg.http.port == 8000 and cfg.broker.client_id == "hub-1"
    assert cfg.database.url == f"sqlite:///{tmp_path / 'hub.sqlite'}"


def test_relative_paths_resolve_against_the_config_directory(tmp_path: Path) -> None:
    text = '[database]\nurl = "sqlite:///data/h.sqlite"\n[broker]\nurl = "mqtts://hub:8883"\nca = "ca.crt"\n'
    cfg = parse(text, tmp_path)
    assert cfg.database.url == f"sqlite:///{tmp_path / 'data' / 'h.sqlite'}"
    assert cfg.broker.ca == tmp_path / "ca.crt"
    assert (
        parse('[database]\nurl = "sqlite:////abs/h.sqlite"\n', tmp_path).database.url
        == "sqlite:////abs/h.sqlite"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sms]\nfoo = 1\n", "unknown key 'sms.foo'"),
        ("[mail]\nhost = 'x'\n", "unknown key 'mail'"),
        ('[broker]\nurl = "http://x"\n', "'broker.url'"),
        ('[sms]\ndriver = "pigeon"\n', "'sms.driver'"),
    ],
)
def test_invalid_config_is_rejected_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text, tmp_path)


def test_unknown_key_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[sms]\nfoo = "bar"\n')
    result = subprocess.run(
        python_module("hub", "--config", str(path)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "unknown key 'sms.foo'" in result.stderr
    assert "Traceback" not in result.stderr


def test_create_api_key_prints_a_key_and_stores_only_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text('[database]\nurl = "sqlite:///hub.sqlite"\n')
    argv = python_module("hub", "--config", str(path), "create-api-key", "noc", "--role", "monitor")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert len(key) > 30
    with closing(sqlite3.connect(tmp_path / "hub.sqlite")) as conn:
        rows = conn.execute("SELECT name, role, key_sha256 FROM api_keys").fetchall()
    assert rows == [("noc", "monitor", hashlib.sha256(key.encode()).hexdigest())]
    assert key.encode() not in (tmp_path / "hub.sqlite").read_bytes()
    bad = subprocess.run([*argv[:-1], "root"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2


def test_secrets_come_from_their_own_files(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "smsc").write_text("s3cr3t\n")
    (tmp_path / "callback").write_text("a-token-of-32-characters-exactly\r\n")
    (tmp_path / "db").write_text("postgresql+psycopg://hub:pw@db.example/hub")
    (tmp_path / "mail").write_text("mail pass with spaces \n")
    text = (
        '[sms]\npassword_file = "secrets/smsc"\ncallback_token_file = "callback"\n'
        '[database]\nurl_file = "db"\n'
        f'[email]\npassword_file = "{tmp_path / "mail"}"\n'
    )
    cfg = parse(text, tmp_path)
    assert cfg.sms.password == "s3cr3t"
    assert cfg.sms.callback_token == "a-token-of-32-characters-exactly"
    assert cfg.database.url == "postgresql+psycopg://hub:pw@db.example/hub"
    assert cfg.email.password == "mail pass with spaces "  # only the line break goes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[sms]\npassword = "x"\npassword_file = "pw"\n',
            "'sms.password' and 'sms.password_file' are both set",
        ),
        (
            '[sms]\npassword_file = "missing"\n',
            r"cannot read 'sms.password_file' \(.*missing\): No such file",
        ),
        ("[sms]\npassword_file = 7\n", "invalid value for 'sms.password_file'"),
        ('[sms]\npassword_file = "long"\n', "invalid value for 'sms.password'"),
        ('[http]\nhost_file = "pw"\n', "unknown key 'http.host_file'"),
    ],
)
def test_a_secret_file_that_cannot_serve_is_refused_with_its_key(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "pw").write_text("pw")
    (tmp_path / "long").write_text("longer than eight")
    with pytest.raises(ConfigError, match=message):
        parse(text, tmp_path)
