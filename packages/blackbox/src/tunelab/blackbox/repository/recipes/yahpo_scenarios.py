"""What a YAHPO Gym scenario's data folder does not say: targets, input order, fidelity.

The values below are those of yahpo-gym 1.0.2 (`yahpo_gym/benchmarks/*.py`), the
version whose surrogates (`model.onnx`) the yahpo_data v1.0 folders hold. The ONNX
model takes `x_cat` (int32 codes of `cat_names`, from `encoding.json`) and `x_cont`
(float32 values of `cont_names`), in exactly these orders, and returns `y_names`.

Pfisterer, Schneider, Moosbauer, Binder & Bischl (2022). YAHPO Gym - An Efficient
Multi-Objective Multi-Fidelity Benchmark for Hyperparameter Optimization. AutoML Conf.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class YahpoScenario:
    """The facts about one YAHPO scenario that its data folder does not hold.

    Attributes:
        name: Scenario (and folder) name, e.g. "lcbench".
        y_names: The model's outputs, in order.
        cont_names: Columns of `x_cont`, in order (fidelities included).
        cat_names: Columns of `x_cat`, in order (the instance included).
        instance_param: The hyperparameter naming the instance (task), or None.
        fidelity: The fidelity used as the blackbox's fidelity.
        fixed_fidelities: Other fidelity parameters, fixed at their maximum.
        runtime_name: The output holding the training time, or None.
        fidelity_values: Fidelities to offer; None: every integer of an integer
            fidelity, 20 equally spaced values of a real one.
        note: How well the entry is verified.
    """

    name: str
    y_names: tuple[str, ...]
    cont_names: tuple[str, ...]
    cat_names: tuple[str, ...]
    instance_param: str | None
    fidelity: str
    fixed_fidelities: tuple[str, ...] = ()
    runtime_name: str | None = None
    fidelity_values: tuple[float, ...] | None = None
    note: str = ""


_CHECKED = "yahpo-gym 1.0.2 configuration; no surrogate at hand to check values"

_NB301_OPS = tuple(
    f"NetworkSelectorDatasetInfo_COLON_darts_COLON_{kind}_{i}"
    for kind in ("edge_normal", "edge_reduce")
    for i in range(14)
) + tuple(
    f"NetworkSelectorDatasetInfo_COLON_darts_COLON_inputs_node_{cell}_{i}"
    for cell in ("normal", "reduce")
    for i in (3, 4, 5)
)

_RBV2_Y = ("acc", "bac", "auc", "brier", "f1", "logloss", "timetrain", "timepredict", "memory")
_IAML_Y = (
    "mmce",
    "f1",
    "auc",
    "logloss",
    "ramtrain",
    "rammodel",
    "rampredict",
    "timetrain",
    "timepredict",
    "mec",
    "ias",
    "nf",
)
_XGBOOST = (
    "nrounds",
    "eta",
    "gamma",
    "lambda",
    "alpha",
    "subsample",
    "max_depth",
    "min_child_weight",
    "colsample_bytree",
    "colsample_bylevel",
    "rate_drop",
    "skip_drop",
)


def _prefixed(prefix: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{name}" for name in names)


def _rbv2(learner: str, cont: tuple[str, ...], cat: tuple[str, ...]) -> YahpoScenario:
    # rbv2: instance task_id (an OpenML dataset id); fidelities trainsize and repl
    # (replication 1..10, an input of the model like trainsize).
    return YahpoScenario(
        name=f"rbv2_{learner}",
        y_names=_RBV2_Y,
        cont_names=(*cont, "trainsize", "repl"),
        cat_names=("task_id", *cat, "num.impute.selected.cpo"),
        instance_param="task_id",
        fidelity="trainsize",
        fixed_fidelities=("repl",),
        runtime_name="timetrain",
        note=_CHECKED,
    )


def _iaml(learner: str, cont: tuple[str, ...], cat: tuple[str, ...]) -> YahpoScenario:
    return YahpoScenario(
        name=f"iaml_{learner}",
        y_names=_IAML_Y,
        cont_names=(*cont, "trainsize"),
        cat_names=("task_id", *cat),
        instance_param="task_id",
        fidelity="trainsize",
        runtime_name="timetrain",
        note=_CHECKED,
    )


def _unregistered(
    name: str,
    y_names: tuple[str, ...],
    cont: tuple[str, ...],
    cat: tuple[str, ...],
    *,
    instance_param: str,
    runtime_name: str | None,
    note: str,
) -> YahpoScenario:
    # fcnet and taskset ship in yahpo-gym 1.0.2's sources but are not registered there;
    # both have fidelity epoch and a replication input, and the instance as first x_cat.
    return YahpoScenario(
        name=name,
        y_names=y_names,
        cont_names=("epoch", "replication", *cont),
        cat_names=(instance_param, *cat),
        instance_param=instance_param,
        fidelity="epoch",
        fixed_fidelities=("replication",),
        runtime_name=runtime_name,
        note=note,
    )


_RANGER_RBV2 = ("num.trees", "sample.fraction", "mtry.power", "min.node.size", "num.random.splits")
_RANGER_IAML = ("num.trees", "sample.fraction", "mtry.ratio", "min.node.size", "num.random.splits")

_SCENARIO_LIST = (
    YahpoScenario(
        name="lcbench",
        y_names=(
            "time",
            "val_accuracy",
            "val_cross_entropy",
            "val_balanced_accuracy",
            "test_cross_entropy",
            "test_balanced_accuracy",
        ),
        cont_names=(
            "epoch",
            "batch_size",
            "learning_rate",
            "momentum",
            "weight_decay",
            "num_layers",
            "max_units",
            "max_dropout",
        ),
        cat_names=("OpenML_task_id",),
        instance_param="OpenML_task_id",
        fidelity="epoch",
        runtime_name="time",
        note="checked against 24 values of yahpo-gym 1.0.2",
    ),
    # nb301 has no instance parameter in yahpo-gym (its one instance is CIFAR10); its
    # config space has a one-valued `dataset` hyperparameter, which is not a model input.
    YahpoScenario(
        name="nb301",
        y_names=("val_accuracy", "runtime"),
        cont_names=("epoch",),
        cat_names=_NB301_OPS,
        instance_param="dataset",
        fidelity="epoch",
        runtime_name="runtime",
        note=_CHECKED,
    ),
    _unregistered(
        "fcnet",
        ("valid_loss", "valid_mse", "runtime", "n_params"),
        ("batch_size", "dropout_1", "dropout_2", "init_lr", "n_units_1", "n_units_2"),
        ("activation_fn_1", "activation_fn_2", "lr_schedule"),
        instance_param="task",
        runtime_name="runtime",
        note="yahpo-gym 1.0.2 sources (not registered there); unchecked",
    ),
    _unregistered(
        "taskset",
        ("train", "valid1", "valid2", "test"),
        (
            "learning_rate",
            "beta1",
            "beta2",
            "epsilon",
            "l1",
            "l2",
            "linear_decay",
            "exponential_decay",
        ),
        ("optimizer",),
        instance_param="task_name",
        runtime_name=None,
        note="yahpo-gym 1.0.2 sources (not registered there, no data published); unchecked",
    ),
    _rbv2("svm", ("cost", "gamma", "tolerance", "degree"), ("kernel",)),
    _rbv2("ranger", _RANGER_RBV2, ("respect.unordered.factors", "splitrule")),
    _rbv2("rpart", ("cp", "maxdepth", "minbucket", "minsplit"), ()),
    _rbv2("glmnet", ("alpha", "s"), ()),
    _rbv2("xgboost", _XGBOOST, ("booster",)),
    _rbv2("aknn", ("k", "M", "ef", "ef_construction"), ("distance",)),
    _rbv2(
        "super",
        (
            *_prefixed("svm", ("cost", "gamma", "tolerance", "degree")),
            *_prefixed("glmnet", ("alpha", "s")),
            *_prefixed("rpart", ("cp", "maxdepth", "minbucket", "minsplit")),
            *_prefixed("ranger", _RANGER_RBV2),
            *_prefixed("aknn", ("k", "M", "ef", "ef_construction")),
            *_prefixed("xgboost", _XGBOOST),
        ),
        (
            "learner_id",
            "svm.kernel",
            "ranger.respect.unordered.factors",
            "ranger.splitrule",
            "aknn.distance",
            "xgboost.booster",
        ),
    ),
    _iaml("ranger", _RANGER_IAML, ("replace", "respect.unordered.factors", "splitrule")),
    _iaml("rpart", ("cp", "maxdepth", "minbucket", "minsplit"), ()),
    _iaml("glmnet", ("alpha", "s"), ()),
    _iaml("xgboost", _XGBOOST, ("booster",)),
    _iaml(
        "super",
        (
            *_prefixed("ranger", _RANGER_IAML),
            *_prefixed("rpart", ("cp", "maxdepth", "minbucket", "minsplit")),
            *_prefixed("glmnet", ("alpha", "s")),
            *_prefixed("xgboost", _XGBOOST),
        ),
        (
            "learner",
            "ranger.replace",
            "ranger.respect.unordered.factors",
            "ranger.splitrule",
            "xgboost.booster",
        ),
    ),
)

SCENARIOS: dict[str, YahpoScenario] = {scenario.name: scenario for scenario in _SCENARIO_LIST}
"""The known scenarios by name."""
