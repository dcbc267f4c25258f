"""One TensorBoard event file, written synchronously from tensorboardX's protocol buffers.

tensorboardX's own writers hand events to a background thread, where an error (a full
disk, a folder removed) is printed and the events are dropped; `TensorBoardCallback`
needs the error raised where it can catch it, and flushes it decides. The format is
TensorBoard's: TFRecord frames (length, masked CRC-32C of the length, the serialized
`Event`, masked CRC-32C of it), the first event naming the file version.

tensorboardX is imported on first use, so that importing this module needs nothing.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import socket
import struct
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

HPARAMS_PLUGIN = "hparams"
SESSION_START_TAG = "_hparams_/session_start_info"
SESSION_END_TAG = "_hparams_/session_end_info"
"""The tags TensorBoard's HParams dashboard reads a session's values and end from."""

SessionStatus = Literal["success", "failure"]

_sequence = itertools.count()


@functools.cache
def _protos() -> SimpleNamespace:
    """tensorboardX's message classes, and the empty tensor that TensorBoard's own
    hparams summaries carry (it reads plugin data from tensor values only)."""
    from tensorboardX.proto import api_pb2, event_pb2, plugin_hparams_pb2, summary_pb2
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboardX.proto.types_pb2 import DT_FLOAT
    from tensorboardX.record_writer import masked_crc32c

    empty = TensorProto(
        dtype=DT_FLOAT, tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=0)])
    )
    return SimpleNamespace(
        Event=event_pb2.Event,
        Summary=summary_pb2.Summary,
        SummaryMetadata=summary_pb2.SummaryMetadata,
        HParamsPluginData=plugin_hparams_pb2.HParamsPluginData,
        SessionStartInfo=plugin_hparams_pb2.SessionStartInfo,
        SessionEndInfo=plugin_hparams_pb2.SessionEndInfo,
        Status=api_pb2.Status,
        empty_tensor=empty,
        masked_crc32c=masked_crc32c,
        host=socket.gethostname(),
    )


class EventFile:
    """A new event file in `folder` (created if needed); one TensorBoard run's data.

    The name is unique to this process and call (time, host, process id, sequence),
    so that reopening a run after a pause or a resume adds a file instead of
    overwriting one; TensorBoard reads the files of a folder in name order, which is
    the order they were written in (the sequence number is zero-padded).
    """

    def __init__(self, folder: Path) -> None:
        self._pb = pb = _protos()
        folder.mkdir(parents=True, exist_ok=True)
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{pb.host}."
            f"{os.getpid()}.{next(_sequence):06d}"
        )
        self.path = folder / name
        self._handle = self.path.open("xb")
        self._write(pb.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def scalars(self, values: dict[str, float], step: int) -> None:
        """One event holding `values` (tag -> number) at `step`."""
        summary = self._pb.Summary
        data = summary(value=[summary.Value(tag=t, simple_value=v) for t, v in values.items()])
        self._write(self._pb.Event(wall_time=time.time(), step=step, summary=data))

    def session_start(self, hparams: dict[str, Any]) -> None:
        """Start an HParams session: the configuration `hparams` of the run.

        Numbers and booleans keep their type; anything else is shown as a string
        (JSON for lists and dicts).
        """
        info = self._pb.SessionStartInfo(start_time_secs=time.time())
        for name, value in hparams.items():
            field = info.hparams[name]
            if isinstance(value, bool):
                field.bool_value = value
            elif isinstance(value, (int, float)):
                field.number_value = float(value)
            elif isinstance(value, str):
                field.string_value = value
            else:
                field.string_value = json.dumps(value, default=str)
        self._plugin_event(SESSION_START_TAG, self._pb.HParamsPluginData(session_start_info=info))

    def session_end(self, status: SessionStatus) -> None:
        """End the HParams session: the trial succeeded (completed or stopped early)
        or failed."""
        code = self._pb.Status.Value("STATUS_SUCCESS" if status == "success" else "STATUS_FAILURE")
        info = self._pb.SessionEndInfo(status=code, end_time_secs=time.time())
        self._plugin_event(SESSION_END_TAG, self._pb.HParamsPluginData(session_end_info=info))

    def flush(self) -> None:
        """Hand what was written to the operating system (a killed process keeps it)."""
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def _plugin_event(self, tag: str, content: Any) -> None:
        pb = self._pb
        plugin = pb.SummaryMetadata.PluginData(
            plugin_name=HPARAMS_PLUGIN, content=content.SerializeToString()
        )
        value = pb.Summary.Value(
            tag=tag, metadata=pb.SummaryMetadata(plugin_data=plugin), tensor=pb.empty_tensor
        )
        self._write(pb.Event(wall_time=time.time(), summary=pb.Summary(value=[value])))

    def _write(self, event: Any) -> None:
        data = event.SerializeToString()
        header = struct.pack("<Q", len(data))
        crc = self._pb.masked_crc32c
        self._handle.write(
            header + struct.pack("<I", crc(header)) + data + struct.pack("<I", crc(data))
        )
