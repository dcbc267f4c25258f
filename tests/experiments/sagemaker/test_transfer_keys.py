"""Downloads (`tunelab-sync`, the job entry's fetch) refuse keys that leave the folder."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tunelab.core.backends.sagemaker.transfer import (
    S3Objects,
    S3Uri,
    download_folder,
    local_path,
)
from tunelab.experiments.sagemaker.sync import main as sync

BUCKET = "tunelab-test"  # the bucket the fixtures create
STUDY = f"s3://{BUCKET}/p/results/sm"


def put(*keys: str) -> None:
    s3 = boto3.client("s3")
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"status": "complete"}')


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "escape",
    ["../../escaped", "x/../../../escaped", "/ABSOLUTE/escaped"],
    ids=["dot-dot", "dot-dot-inside", "double-slash-absolute"],
)
def test_sync_refuses_a_key_outside_the_destination_and_copies_nothing(
    mocked_aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], escape: str
) -> None:
    escape = escape.replace("/ABSOLUTE", tmp_path.as_posix())
    bad = f"p/results/sm/{escape}/metadata.json"  # "sm//tmp/..." for the absolute one
    put("p/results/sm/branin/asha/0/metadata.json", bad)
    target = tmp_path / "out" / "sm"
    assert sync([STUDY, str(target)]) == 1
    error = capsys.readouterr().err
    assert f"refusing the S3 object s3://{BUCKET}/{bad}:" in error
    assert f"outside the destination {target}" in error
    assert not (tmp_path / "escaped").exists()
    assert not target.exists() or files(target) == []


def test_sync_refuses_a_key_through_a_symbolic_link_out(
    mocked_aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "synced"
    target.mkdir()
    (target / "branin").symlink_to(outside)
    put("p/results/sm/branin/asha/0/metadata.json")
    assert sync([STUDY, str(target)]) == 1
    assert "refusing the S3 object" in capsys.readouterr().err
    assert files(outside) == []


def test_the_job_entry_download_refuses_any_escaping_key(mocked_aws: None, tmp_path: Path) -> None:
    """The entry copies every object of its experiment's prefix (no filter by name)."""
    experiment = "p/results/sm/branin/asha/0"
    put(f"{experiment}/tuner_state/state-1.pkl", f"{experiment}/../../../../../../bashrc")
    folder = tmp_path / "job" / "results" / "sm" / "branin" / "asha" / "0"
    with pytest.raises(ValueError, match=r"refusing the S3 object .*/\.\./bashrc: its key would"):
        download_folder(
            S3Objects(boto3.client("s3")), S3Uri.parse(f"s3://{BUCKET}/{experiment}"), folder
        )
    assert not (tmp_path / "bashrc").exists()
    assert not folder.exists()


def test_keys_that_stay_inside_are_copied(mocked_aws: None, tmp_path: Path) -> None:
    put("p/results/sm/branin/asha/0/metadata.json", "p/results/sm/a/./b/../metadata.json")
    report = download_folder(S3Objects(boto3.client("s3")), S3Uri.parse(STUDY), tmp_path / "out")
    assert files(tmp_path / "out") == ["a/metadata.json", "branin/asha/0/metadata.json"]
    assert len(report.downloaded) == 2


def test_local_path_resolves_before_it_checks(tmp_path: Path) -> None:
    key = S3Uri(bucket=BUCKET, key="k")
    assert local_path(tmp_path, "a/b.json", key=key) == tmp_path / "a" / "b.json"
    assert local_path(tmp_path, "a/../b.json", key=key) == tmp_path / "b.json"
    for relative in ("..", ".", "a/..", "../x", "a/../../x", "/etc/passwd"):
        with pytest.raises(ValueError, match=f"refusing the S3 object s3://{BUCKET}/k"):
            local_path(tmp_path, relative, key=key)
