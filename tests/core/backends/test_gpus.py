"""GPU detection and the least-busy GPU allocator."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from tunelab.core.backends.gpus import GPUAllocator, detect_gpus


def test_trials_rotate_over_the_least_busy_gpus() -> None:
    allocator = GPUAllocator(gpus=["0", "1"])
    assert [allocator.acquire() for _ in range(3)] == [["0"], ["1"], ["0"]]
    allocator.release(["1"])
    assert allocator.acquire() == ["1"]
    allocator.release(["0"])
    allocator.release(["0"])
    assert allocator.acquire() == ["0"]


def test_several_gpus_per_trial() -> None:
    allocator = GPUAllocator(gpus=["0", "1", "2"], per_trial=2)
    assert [allocator.acquire() for _ in range(3)] == [["0", "1"], ["0", "2"], ["1", "2"]]


def test_without_gpus_nothing_is_assigned() -> None:
    assert GPUAllocator(gpus=[], per_trial=4).acquire() == []


def test_invalid_allocations() -> None:
    with pytest.raises(ValueError, match="num_gpus_per_trial=3"):
        GPUAllocator(gpus=["0", "1"], per_trial=3)
    with pytest.raises(ValueError, match="num_gpus_per_trial=0"):
        GPUAllocator(gpus=["0"], per_trial=0)
    with pytest.raises(ValueError, match="distinct"):
        GPUAllocator(gpus=["0", "0"])
    with pytest.raises(ValueError, match="GPU '1' released more often"):
        GPUAllocator(gpus=["0", "1"]).release(["1"])


def fake_nvidia_smi(folder: Path, body: str) -> None:
    script = folder / "nvidia-smi"
    script.write_text(f"#!{sys.executable}\n{body}\n")
    script.chmod(0o755)


def test_detect_from_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert detect_gpus() == []
    fake_nvidia_smi(
        tmp_path,
        "print('GPU 0: NVIDIA A10G (UUID: GPU-aaa)')\nprint('GPU 1: NVIDIA A10G (UUID: GPU-bbb)')",
    )
    assert detect_gpus() == ["0", "1"]


def test_failing_nvidia_smi_means_no_gpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    fake_nvidia_smi(tmp_path, "import sys; sys.exit(9)")
    with caplog.at_level(logging.WARNING):
        assert detect_gpus() == []
    assert "nvidia-smi --list-gpus" in caplog.text


def test_cuda_visible_devices_of_the_tuner_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2, 3")
    assert detect_gpus() == ["2", "3"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert detect_gpus() == []
