"""L-BFGS: quasi-Newton steps from a limited history of gradient differences, with an optional
strong-Wolfe line search; every step re-evaluates the model through a closure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd import enable_grad, no_grad
from retrograd.autograd.tracing import trace_state
from retrograd.optim.optimizer import Optimizer, OptimizerError, OptimizerStateDictError, ParamsT
from retrograd.tensor import Tensor

#: state entries that are flat vectors (or lists of them) over all parameters, or numbers
_FLAT_STATE = ("d", "prev_flat_grad", "old_dirs", "old_stps", "ro", "al", "H_diag", "t")


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS``; `step` takes a closure that re-evaluates the model.

    Args:
        params: Tensors to optimize (one parameter group: per-parameter options are refused).
        lr: learning rate (the step length tried first). Default: 1.
        max_iter: most iterations per `step`. Default: 20.
        max_eval: most closure evaluations per `step`. Default: ``max_iter * 5 // 4``.
        tolerance_grad: stop when the largest gradient entry is at most this. Default: 1e-07.
        tolerance_change: stop when the loss or the parameters change by less than this. Default:
            1e-09.
        history_size: how many update pairs approximate the inverse Hessian. Default: 100.
        line_search_fn: None (fixed step `lr`) or ``"strong_wolfe"``.

    State (kept for the first parameter, as PyTorch keeps it): ``func_evals`` and ``n_iter``
    (totals over all steps) and, once an iteration ran, ``d``, ``t``, ``old_dirs``,
    ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss`` and ``al``, where the
    vectors are flat over all parameters.

    ```python
    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    ```
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise OptimizerError("LBFGS doesn't support per-parameter options (parameter groups)")

    checked = ("lr",)

    def _validate_options(self, options: dict[str, Any]) -> None:
        super()._validate_options(options)
        if options["line_search_fn"] not in (None, "strong_wolfe"):
            raise OptimizerError(
                f"line_search_fn must be None or 'strong_wolfe', got {options['line_search_fn']!r}"
            )
        for key in ("max_iter", "max_eval", "history_size"):
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise OptimizerError(f"{key} must be a positive integer, got {value!r}")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to `max_iter` L-BFGS iterations; return the loss of the first evaluation.

        `closure` zeroes the gradients, computes the loss, calls ``backward()`` and returns the
        loss; it runs with gradients enabled, once or more per iteration.
        """
        if closure is None:
            raise OptimizerError("LBFGS.step needs a closure that re-evaluates the model")
        if len(self.param_groups) != 1:
            raise OptimizerError(
                f"LBFGS optimizes one parameter group, but it has {len(self.param_groups)}"
            )
        if trace_state.tracer is not None:  # a step being captured by retrograd.compile
            trace_state.tracer.record_escape("LBFGS.step(closure)")
        group = self.param_groups[0]
        params = group["params"]
        with no_grad():
            return lbfgs(
                _Objective(params, closure),
                self.state[params[0]],
                lr=float(group["lr"]),
                max_iter=group["max_iter"],
                max_eval=group["max_eval"],
                tolerance_grad=group["tolerance_grad"],
                tolerance_change=group["tolerance_change"],
                history_size=group["history_size"],
                line_search_fn=group["line_search_fn"],
            )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore saved state (as `Optimizer.load_state_dict`): the flat vectors must have one
        entry per parameter element; they take the parameters' dtype, as in PyTorch."""
        saved_state = state_dict.get("state")
        if not isinstance(saved_state, dict):
            super().load_state_dict(state_dict)  # which names what is wrong
            return
        params = self.param_groups[0]["params"]
        numel = sum(p.array.size for p in params)
        dtype = params[0].array.dtype
        kept: dict[Any, Any] = {}
        flat: dict[Any, dict[str, Any]] = {}
        for index, entries in saved_state.items():
            if not isinstance(entries, dict):
                kept[index] = entries
                continue
            kept[index] = {k: v for k, v in entries.items() if k not in _FLAT_STATE}
            flat[index] = {
                key: _copy_flat(entries[key], dtype, numel, f"state {key!r} of parameter {index!r}")
                for key in _FLAT_STATE
                if key in entries
            }
        super().load_state_dict({**state_dict, "state": kept})
        params_by_index = dict(zip(state_dict["param_groups"][0]["params"], params))
        for index, entries in flat.items():
            self.state[params_by_index[index]].update(entries)


def _copy_flat(value: Any, dtype: np.dtype, numel: int, where: str) -> Any:
    """A copy of a saved L-BFGS state entry: arrays (in lists or alone) cast to `dtype`, vectors
    checked to hold `numel` entries."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_flat(item, dtype, numel, where) for item in value)
    array = np.array(np.asarray(value), dtype=dtype, copy=True)
    if array.ndim == 0:
        return array[()]
    if array.shape != (numel,):
        raise OptimizerStateDictError(
            f"{where} has shape {array.shape}, but the parameters have {numel} elements in all"
        )
    return array


class _Objective:
    """The parameters as one flat vector: the closure's loss and gradient, and moves along a
    direction, as PyTorch's LBFGS sees them."""

    def __init__(self, params: list[Tensor], closure: Callable[[], Any]) -> None:
        self.params = params
        self.closure = closure

    def evaluate(self) -> Any:
        """Run the closure (with gradients enabled) and return what it returns."""
        with enable_grad():
            return self.closure()

    def flat_grad(self) -> np.ndarray:
        """All gradients in one new flat array (zeros for a parameter without one)."""
        views = []
        for p in self.params:
            if p.grad is None:
                views.append(np.zeros(p.array.size, dtype=p.array.dtype))
            else:
                views.append(p.grad.array.reshape(-1))
        return np.concatenate(views)

    def add(self, step: Any, direction: np.ndarray) -> None:
        """``p += step * direction`` with `direction` cut into the parameters' shapes."""
        step = float(step)
        offset = 0
        for p in self.params:
            size = p.array.size
            piece = direction[offset : offset + size].reshape(p.array.shape)
            np.add(p.array, np.multiply(piece, step), p.array)
            p._version += 1  # changed in place, as by an in-place op
            offset += size

    def copy(self) -> list[np.ndarray]:
        return [p.array.copy() for p in self.params]

    def restore(self, saved: list[np.ndarray]) -> None:
        for p, data in zip(self.params, saved):
            np.copyto(p.array, data)
            p._version += 1

    def directional_evaluate(
        self, saved: list[np.ndarray], step: Any, direction: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``saved + step * direction``; the parameters end at `saved`."""
        self.add(step, direction)
        loss = float(self.evaluate())
        flat_grad = self.flat_grad()
        self.restore(saved)
        return loss, flat_grad


def lbfgs(
    objective: _Objective,
    state: dict[str, Any],
    *,
    lr: float,
    max_iter: int,
    max_eval: int,
    tolerance_grad: float,
    tolerance_change: float,
    history_size: int,
    line_search_fn: str | None,
) -> Any:
    """Up to `max_iter` L-BFGS iterations on `objective`; `state` carries the history between
    calls. Returns the closure's result at the starting point.

    With ``g`` the flat gradient, ``s_i = t_i d_i`` the past steps, ``y_i`` the matching
    gradient differences (a pair is kept when ``y.s > 1e-10``, at most `history_size` of them)
    and ``rho_i = 1 / (y_i . s_i)``, the direction comes from the two-loop recursion::

        q = -g
        for i newest to oldest:  a_i = rho_i * s_i . q;   q = q - a_i * y_i
        r = H_diag * q                                    (H_diag = y.s / y.y of the newest pair)
        for i oldest to newest:  b_i = rho_i * y_i . r;   r = r + (a_i - b_i) * s_i
        d = r                                             (d = -g on the first iteration)

    The step length is ``t = lr`` (``min(1, 1 / sum|g|) * lr`` on the first iteration), or the
    point a strong-Wolfe line search starting from it returns; then ``p = p + t * d``.
    Iterations stop at `max_iter` or `max_eval` evaluations, when ``max|g| <= tolerance_grad``,
    when ``g . d > -tolerance_change``, or when the step or the loss change is below
    `tolerance_change`.
    """
    state.setdefault("func_evals", 0)
    state.setdefault("n_iter", 0)

    orig_loss = objective.evaluate()
    loss = float(orig_loss)
    current_evals = 1
    state["func_evals"] += 1

    flat_grad = objective.flat_grad()
    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
    if opt_cond:
        return orig_loss

    # the history of earlier steps (all None before the first iteration)
    d: Any = state.get("d")
    t: Any = state.get("t")
    old_dirs: Any = state.get("old_dirs")
    old_stps: Any = state.get("old_stps")
    ro: Any = state.get("ro")
    H_diag: Any = state.get("H_diag")
    prev_flat_grad: Any = state.get("prev_flat_grad")
    prev_loss: Any = state.get("prev_loss")

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        state["n_iter"] += 1

        # the descent direction
        if state["n_iter"] == 1:
            d = -flat_grad
            old_dirs, old_stps, ro = [], [], []
            H_diag = 1
        else:
            y = flat_grad - prev_flat_grad
            s = d * t
            ys = y.dot(s)
            if ys > 1e-10:
                if len(old_dirs) == history_size:  # forget the oldest pair
                    old_dirs.pop(0)
                    old_stps.pop(0)
                    ro.pop(0)
                old_dirs.append(y)
                old_stps.append(s)
                ro.append(1.0 / ys)
                H_diag = ys / y.dot(y)

            num_old = len(old_dirs)
            if "al" not in state:
                state["al"] = [None] * history_size
            al = state["al"]

            q = -flat_grad
            for i in range(num_old - 1, -1, -1):
                al[i] = old_stps[i].dot(q) * ro[i]
                q += old_dirs[i] * -float(al[i])
            d = r = q * H_diag
            for i in range(num_old):
                be_i = old_dirs[i].dot(r) * ro[i]
                r += old_stps[i] * float(al[i] - be_i)

        if prev_flat_grad is None:
            prev_flat_grad = flat_grad.copy()
        else:
            np.copyto(prev_flat_grad, flat_grad)
        prev_loss = loss

        # the step length
        if state["n_iter"] == 1:
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
        else:
            t = lr

        gtd = flat_grad.dot(d)  # directional derivative
        if gtd > -tolerance_change:
            break

        ls_func_evals = 0
        if line_search_fn is not None:
            x_init = objective.copy()
            loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                objective.directional_evaluate,
                x_init,
                t,
                d,
                loss,
                flat_grad,
                gtd,
                max_ls=max_eval - current_evals,
            )
            objective.add(t, d)
            opt_cond = np.abs(flat_grad).max() <= tolerance_grad
        else:
            objective.add(t, d)
            if n_iter != max_iter:
                # the last iteration's loss is not needed: no evaluation for it
                loss = float(objective.evaluate())
                flat_grad = objective.flat_grad()
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                ls_func_evals = 1

        current_evals += ls_func_evals
        state["func_evals"] += ls_func_evals

        if n_iter == max_iter:
            break
        if current_evals >= max_eval:
            break
        if opt_cond:
            break
        if np.abs(d * t).max() <= tolerance_change:  # lack of progress
            break
        if abs(loss - prev_loss) < tolerance_change:
            break

    state["d"] = d
    state["t"] = t
    state["old_dirs"] = old_dirs
    state["old_stps"] = old_stps
    state["ro"] = ro
    state["H_diag"] = H_diag
    state["prev_flat_grad"] = prev_flat_grad
    state["prev_loss"] = prev_loss
    return orig_loss


def _cubic_interpolate(
    x1: Any,
    f1: Any,
    g1: Any,
    x2: Any,
    f2: Any,
    g2: Any,
    bounds: tuple[Any, Any] | None = None,
) -> Any:
    """The minimizer of the cubic through two points with their values and slopes, clipped to
    `bounds` (default: the interval between the points); the midpoint when the cubic has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(
    obj_func: Callable[[list[np.ndarray], Any, np.ndarray], tuple[float, np.ndarray]],
    x: list[np.ndarray],
    t: Any,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Any,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, Any, int]:
    """A step length along `d` meeting the strong Wolfe conditions (sufficient decrease,
    ``f(t) <= f + c1 t gtd``, and curvature, ``|g(t).d| <= -c2 gtd``), found by bracketing and
    cubic-interpolation zoom in at most `max_ls` evaluations; returns its loss, gradient, the
    step and the evaluation count. Flat gradients are new arrays, so none is copied."""
    d_norm = np.abs(d).max()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[Any] = []
    bracket_f: list[Any] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[Any] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break

        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )

        # next step
        t_prev = tmp
        f_prev = f_new
        g_prev = g_new
        gtd_prev = gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter == max_ls:  # reached the most iterations
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: refine the bracket until a point satisfies the criteria
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:  # the bracket is too small
            break

        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )

        # A trial too close to an end of the bracket, twice in a row or beyond it, moves to
        # a tenth of the bracket's length from the nearer end.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # no sufficient decrease, or not below the lowest point: the new high end
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            bracket_g[high_pos] = g_new
            bracket_gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True  # Wolfe conditions satisfied
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high end becomes the new low end
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            # the new point becomes the new low end
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            bracket_g[low_pos] = g_new
            bracket_gtd[low_pos] = gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
