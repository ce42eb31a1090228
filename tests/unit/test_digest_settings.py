"""The digest file: the example shipped in docs/ loads; every mistake is refused at start-up with the file
and the key named, never at 07:30."""

import datetime as dt
from pathlib import Path

import pytest

from config.digest_settings import load_digest_settings
from config.settings import Settings, SettingsError
from tracker.digest import DigestGroup

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "digest.example.toml"
TOKENS = {"TTHC_ZALO_OA_TOKEN": "oa-secret", "TTHC_ZALO_BOT_TOKEN": "12345:bot-secret"}
MINIMAL = """
[channels.log]
kind = "console"
[[groups]]
name = "lanh-dao"
channels = ["log"]
"""


def load(tmp_path, text, environ=None):
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return load_digest_settings(Settings(instance_path=tmp_path), environ={"TTHC_DIGEST_CONFIG": str(path),
                                                                           **(environ or {})})


def test_the_example_file_loads_with_its_groups_channels_and_tokens_from_the_environment(tmp_path):
    digest = load(tmp_path, EXAMPLE.read_text(encoding="utf-8"), TOKENS)

    assert digest.time == dt.time(7, 30) and digest.claim_timeout == dt.timedelta(minutes=10)
    assert digest.groups[0] == DigestGroup(name="lanh-dao-tinh", channels=("lanh-dao-zalo", "luu-tru"),
                                           title="Hồ sơ cần đôn đốc", agencies=("G09",), within=2, max_parts=3)
    assert digest.group("phuong-loc-tho").send_when_empty is True
    oa = digest.channels["lanh-dao-zalo"]
    assert (oa.kind, oa.target, oa.token, oa.base_url) == ("zalo_oa", "1234567890123456789", "oa-secret",
                                                           "https://openapi.zalo.me")
    assert digest.channels["bot-phuong"].base_url == "https://bot-api.zaloplatforms.com"
    assert digest.channels["luu-tru"].target == str(tmp_path / "outbox")
    assert "secret" not in repr(digest)


def test_no_file_means_no_groups_and_a_named_missing_file_is_an_error(tmp_path):
    assert load_digest_settings(Settings(instance_path=tmp_path), environ={}).groups == ()
    with pytest.raises(SettingsError, match="TTHC_DIGEST_CONFIG: no file at"):
        load_digest_settings(Settings(instance_path=tmp_path), environ={"TTHC_DIGEST_CONFIG": "/nowhere.toml"})


@pytest.mark.parametrize("text, error", [
    (MINIMAL.replace('["log"]', '["zalo"]'), r"groups\[0\]\.channels: unknown channel 'zalo' \(defined: log\)"),
    (MINIMAL.replace('"console"', '"telegram"'), r"channels\.log\.kind: unknown kind 'telegram'"),
    ('time = "7h30"\n' + MINIMAL, r"time: expected HH:MM"),
    ('time = "25:00"\n' + MINIMAL, r"time: expected HH:MM"),
    (MINIMAL + 'levels = ["ward"]\n', r"groups\[0\]\.levels: unknown level 'ward'"),
    (MINIMAL + 'whithin = 3\n', r"groups\[0\]: unknown key 'whithin'"),
    (MINIMAL + 'max_parts = 12\n', r"groups\[0\]\.max_parts: expected a whole number from 1 to 9"),
    (MINIMAL + '[[groups]]\nname = "lanh-dao"\nchannels = ["log"]\n', r"groups: a group name is used twice"),
    ('[channels.z]\nkind = "zalo_oa"\ngroup_id = "1"\ntoken_env = "NOT_SET_ANYWHERE"\n',
     r"channels\.z\.token_env: the environment variable 'NOT_SET_ANYWHERE' is not set"),
    ('[channels.z]\nkind = "zalo_bot"\nchat_id = "1"\n', r"channels\.z: a token is required"),
    ('[channels.z]\nkind = "webhook"\n', r"channels\.z\.url: required for kind 'webhook'"),
    ('dossier_url = "https://x/ho-so"\n', r"dossier_url: expected a URL template containing \{code\}"),
    ("[[groups]\n", r"not valid TOML"),
])
def test_a_mistake_in_the_file_is_refused_naming_the_file_and_the_key(tmp_path, text, error):
    with pytest.raises(SettingsError, match=error) as refused:
        load(tmp_path, text)

    assert str(refused.value).startswith(str(tmp_path / "digest.toml"))
