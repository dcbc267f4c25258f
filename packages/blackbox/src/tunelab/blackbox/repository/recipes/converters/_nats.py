"""Reading the raw NATS-Bench topology files (NAS-Bench-201's 15,625 cells) without torch.

NATS-Bench (Dong et al., 2021) distributes the topology search space as bz2-compressed
pickles of plain dicts, in two forms:

- the benchmark file `NATS-tss-v1_0-3ffb9.pickle.pbz2`: one dict with `meta_archs`
  (the architecture strings, by index), `arch2infos` (index -> {hp: results}) and
  `evaluated_indexes`;
- the archive `NATS-tss-v1_0-3ffb9-simple/`: `meta.pickle.pbz2` (with `meta_archs`) and
  one `<index:06d>.pickle.pbz2` per architecture holding its {hp: results}.

`hp` is the training schedule ("12" or "200" epochs); `results` is the state dict of
NATS-Bench's `ArchResults`: `arch_str`, `dataset_seed` ({dataset: [seeds]}) and
`all_results` ({(dataset, seed): state dict of a `ResultsCount`}).

The pickles are read with an unpickler that only builds plain containers and numpy
scalars/arrays, so a file cannot run code; torch objects (trained weights, present in the
`-full` archives) become empty placeholders instead of needing torch.
"""

from __future__ import annotations

import bz2
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCHMARK_FILE = "NATS-tss-v1_0-3ffb9.pickle.pbz2"
ARCHIVE_DIR = "NATS-tss-v1_0-3ffb9-simple"
PICKLE_EXT = "pickle.pbz2"
META_FILE = f"meta.{PICKLE_EXT}"
WHAT = f"the NATS-Bench topology file {BENCHMARK_FILE} or the folder {ARCHIVE_DIR}"

_BUILTINS = {"set", "frozenset", "complex", "slice", "bytearray", "range"}
_NUMPY = {"scalar", "_reconstruct", "dtype", "ndarray", "_frombuffer"}


class _Dropped:
    """Stands in for a torch object: accepts any construction and state, keeps nothing."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Dropped:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name in ("OrderedDict", "defaultdict"):
            return super().find_class(module, name)
        if module in ("builtins", "__builtin__") and name in _BUILTINS:
            return super().find_class(module, name)
        if (module, name) == ("_codecs", "encode"):  # bytes in protocol-2 pickles
            return super().find_class(module, name)
        if module.split(".")[0] == "numpy" and name in _NUMPY:
            return super().find_class(module, name)
        if module.split(".")[0] == "torch":
            return _Dropped
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name} from a NATS-Bench file: only plain data "
            "(dicts, lists, numbers, strings, numpy values) is expected"
        )


def load_pickle(path: Path) -> Any:
    """The object in a bz2-compressed pickle file, read as data only."""
    with bz2.open(path, "rb") as handle:
        return _DataUnpickler(handle).load()


class NatsTopology:
    """The architectures of a NATS-Bench topology source (benchmark file or archive).

    Args:
        path: The benchmark file, the `-simple` archive folder, or a folder containing
            one of them (e.g. `$TORCH_HOME`).
    """

    def __init__(self, path: Path) -> None:
        self.path = _locate(path)
        if self.path.is_dir():
            self._data: dict[str, Any] | None = None
            meta = load_pickle(self.path / META_FILE)
        else:
            self._data = load_pickle(self.path)
            meta = self._data
        if not isinstance(meta, dict) or "meta_archs" not in meta:
            raise ValueError(f"{self.path} is not a NATS-Bench topology file: no 'meta_archs'")
        self.arch_strings: list[str] = [str(a) for a in meta["meta_archs"]]

    def __len__(self) -> int:
        return len(self.arch_strings)

    def files(self) -> list[Path]:
        """The files read: the benchmark file, or the archive's meta and cell files."""
        if self._data is not None:
            return [self.path]
        return [self.path / META_FILE, *(self._cell_file(i) for i in range(len(self)))]

    def results(self, hp: str) -> Iterator[dict[str, Any]]:
        """Each architecture's `ArchResults` state dict for schedule `hp`, by index."""
        for index in range(len(self)):
            if self._data is not None:
                per_hp = self._data["arch2infos"].get(index)
                where = f"{self.path.name}: arch2infos[{index}]"
            else:
                cell_file = self._cell_file(index)
                per_hp, where = load_pickle(cell_file), cell_file.name
            if not isinstance(per_hp, dict) or hp not in per_hp:
                raise ValueError(f"{where} has no results for the {hp}-epoch schedule")
            yield per_hp[hp]

    def _cell_file(self, index: int) -> Path:
        padded = self.path / f"{index:06d}.{PICKLE_EXT}"
        if padded.is_file():
            return padded
        plain = self.path / f"{index}.{PICKLE_EXT}"
        if plain.is_file():
            return plain
        raise FileNotFoundError(f"the NATS-Bench archive {self.path} lacks {padded.name}")


def _locate(path: Path) -> Path:
    if path.is_file() or (path / META_FILE).is_file():
        return path
    for candidate in (path / ARCHIVE_DIR, path / BENCHMARK_FILE):
        if (candidate / META_FILE).is_file() or candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{path} holds neither {ARCHIVE_DIR}/{META_FILE} nor {BENCHMARK_FILE}")


def cell_operations(arch_str: str) -> list[str]:
    """The 6 edge operations of a cell string, in the string's order.

    `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` lists, for nodes 1, 2, 3, the operation on the
    edge from each earlier node; the result is [0->1, 0->2, 1->2, 0->3, 1->3, 2->3].
    """
    operations: list[str] = []
    nodes = arch_str.split("+")
    for node, part in enumerate(nodes, start=1):
        edges = [edge for edge in part.split("|") if edge]
        inputs = [edge.rpartition("~") for edge in edges]
        if [source for _, _, source in inputs] != [str(i) for i in range(node)]:
            raise ValueError(
                f"architecture {arch_str!r}: node {node} must take inputs 0..{node - 1} in order"
            )
        operations.extend(op for op, _, _ in inputs)
    if len(nodes) != 3:
        raise ValueError(f"architecture {arch_str!r} has {len(nodes)} nodes, expected 3")
    return operations
