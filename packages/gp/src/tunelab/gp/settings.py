"""`GPSettings`: the surrogate-model and fitting options shared by the GP searchers."""

from __future__ import annotations

from dataclasses import dataclass, field

from tunelab.gp.optimize import OptimizerSettings


@dataclass(frozen=True)
class GPSettings:
    """Options of the GP surrogate, its fitting and the acquisition optimisation.

    Defaults follow the reference (Syne Tune's GP searchers) except where noted.

    Args:
        ard: One lengthscale per encoded column (Matern 5/2 ARD) or one shared.
        input_warping: Learn a Kumaraswamy warping of each numeric column.
        boxcox: Box-Cox transform the targets (see `TargetTransform`).
        normalize_targets: Standardise targets to mean 0, variance 1.
        noise_floor: Smallest noise variance of the normalised targets.
        max_size_data_for_model: Cap on the data the model is fit to (None: no cap);
            beyond it the best `max_size_top_fraction` share is kept and the rest drawn
            at random (multi-fidelity: trials that reached higher levels kept first).
        max_size_top_fraction: See above.
        opt_skip_init_length: Refit the parameters at every update below this many
            observations.
        opt_skip_period: Beyond, refit at every `opt_skip_period`-th update only.
        opt_num_starts: L-BFGS-B starts per refit (the warm start is one of them);
            beyond `opt_skip_init_length` observations, the warm start only.
        opt_max_iterations: L-BFGS-B iterations per start.
        optimizer: Effort of the acquisition maximisation.
        blas_threads: BLAS threads while a suggestion is computed (None: leave the
            thread pool as it is); one is fastest for matrices of this size.
    """

    ard: bool = True
    input_warping: bool = False
    boxcox: bool = False
    normalize_targets: bool = True
    noise_floor: float = 1e-6
    max_size_data_for_model: int | None = 500
    max_size_top_fraction: float = 0.25
    opt_skip_init_length: int = 150
    opt_skip_period: int = 1
    opt_num_starts: int = 2
    opt_max_iterations: int = 50
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    blas_threads: int | None = 1
