"""Replay vs eager: each program runs 6 calls eagerly and compiled; parameters, gradients,
buffers, optimizer state and every returned value must be identical, and the compiled run
must either replay or say (in a warning naming the reason) that it ran eagerly."""

from __future__ import annotations

import random

import numpy as np
import pytest
from tests.compiler.helpers import Program, batches, check, mlp, seed_data, standard_step

import retrograd as rg
from retrograd import nn, optim
from retrograd.nn import functional as F

MODE = {"loss": "mse"}  # a module-level flag a step reads (changed between calls)


class Config:
    temperature = 1.0

    def __init__(self) -> None:
        self.scale = 1.0


CFG = Config()


def _basic(clip: str | None = None, zero: str = "opt") -> Program:
    model = mlp(3, 8, 1, act=nn.Sigmoid)
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)

    def step(x, t):
        if zero == "opt":
            opt.zero_grad()
        elif zero == "model":
            model.zero_grad()
        else:
            opt.zero_grad(set_to_none=False)
        loss = F.mse_loss(model(x), t)
        loss.backward()
        if clip == "norm":
            nn.utils.clip_grad_norm_(model.parameters(), 0.05)
        elif clip == "value":
            nn.utils.clip_grad_value_(model.parameters(), 0.01)
        elif clip == "inf":
            nn.utils.clip_grad_norm_(model.parameters(), 0.05, norm_type="inf")
        opt.step()
        return loss

    data = seed_data()
    return Program(step, lambda i: data, [model], [opt])


# -- replayed: the common loops ------------------------------------------------------------
def test_seed_step() -> None:
    check(_basic, "replay")


@pytest.mark.parametrize("clip", ["norm", "value", "inf"])
def test_gradient_clipping_is_replayed(clip: str) -> None:
    check(lambda: _basic(clip=clip), "replay")


@pytest.mark.parametrize("zero", ["model", "zeros"])
def test_other_ways_to_zero_gradients(zero: str) -> None:
    check(lambda: _basic(zero=zero), "replay")


def test_clip_norm_used_as_a_value_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 4, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            return loss + norm * 0.0

        return Program(step, batches(), [model], [opt])

    check(make, "eager", "clip_grad_norm_")


def test_inner_loop_over_slices() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        opt = optim.Adam(model.parameters(), lr=0.01)

        def step(x, t):
            total = None
            for k in range(3):
                opt.zero_grad()
                loss = F.mse_loss(model(x[2 * k : 2 * k + 2]), t[2 * k : 2 * k + 2])
                loss.backward()
                opt.step()
                total = loss if total is None else total + loss
            return total

        return Program(step, batches(), [model], [opt])

    check(make, "replay")


def test_scheduler_between_calls_keeps_the_replay() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.5)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

        step = standard_step(model, opt)

        return Program(step, batches(), [model], [opt], between=lambda i: i and sched.step())

    check(make, "replay")


def test_scheduler_inside_the_step_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.2)
        sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            sched.step()
            return loss

        return Program(step, batches(), [model], [opt])

    check(make, "eager", "every time it runs")


def test_gradient_accumulation_chosen_by_an_argument() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        data = batches()

        def step(x, t, update):
            loss = F.mse_loss(model(x), t)
            loss.backward()
            if update:
                opt.step()
                opt.zero_grad()
            return loss

        return Program(step, lambda i: (*data(i), i % 2 == 1), [model], [opt])

    check(make, "replay")


def test_accumulation_counted_in_a_closure_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        counter = [0]

        def step(x, t):
            loss = F.mse_loss(model(x), t)
            loss.backward()
            counter[0] += 1
            if counter[0] % 2 == 0:
                opt.step()
                opt.zero_grad()
            return loss

        return Program(step, batches(), [model], [opt], extra=lambda: list(counter))

    check(make, "eager", "counter")


def test_batchnorm_in_eval_mode_replays() -> None:
    def make() -> Program:
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
        model.eval()
        opt = optim.SGD(model.parameters(), lr=0.1)

        step = standard_step(model, opt)

        return Program(step, batches(), [model], [opt])

    check(make, "replay")


def test_batchnorm_in_train_mode_falls_back() -> None:
    def make() -> Program:
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
        opt = optim.SGD(model.parameters(), lr=0.1)

        step = standard_step(model, opt)

        return Program(step, batches(), [model], [opt])

    check(make, "eager", "")


def test_batchnorm_switched_from_eval_to_train() -> None:
    def make() -> Program:
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
        model.eval()
        opt = optim.SGD(model.parameters(), lr=0.1)

        step = standard_step(model, opt)

        return Program(step, batches(), [model], [opt], between=lambda i: i == 3 and model.train())

    check(make, "either")


def test_embedding_with_repeated_indices() -> None:
    def make() -> Program:
        emb = nn.Embedding(5, 3)
        head = nn.Linear(3, 1)
        opt = optim.Adam([*emb.parameters(), *head.parameters()], lr=0.05)
        rng = np.random.default_rng(1)
        idx = [rg.tensor(rng.integers(0, 5, (6,))) for _ in range(3)]
        idx[0] = rg.tensor(np.array([1, 1, 1, 2, 2, 4]))
        target = rg.tensor(rng.standard_normal((6, 1)).astype(np.float32))

        def step(i, t):
            opt.zero_grad()
            loss = F.mse_loss(head(emb(i)), t)
            loss.backward()
            opt.step()
            return loss

        return Program(step, lambda k: (idx[k % 3], target), [emb, head], [opt])

    check(make, "replay")


def test_two_optimizers() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        first = optim.Adam(model[0].parameters(), lr=0.01)
        second = optim.SGD(model[2].parameters(), lr=0.1, momentum=0.9, nesterov=True)

        def step(x, t):
            first.zero_grad()
            second.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            first.step()
            second.step()
            return loss

        return Program(step, batches(), [model], [first, second])

    check(make, "replay")


def test_two_models_teacher_and_student() -> None:
    def make() -> Program:
        teacher, student = mlp(3, 6, 1), mlp(3, 4, 1)
        opt_t = optim.SGD(teacher.parameters(), lr=0.05)
        opt_s = optim.Adam(student.parameters(), lr=0.01)

        def step(x, t):
            opt_t.zero_grad()
            opt_s.zero_grad()
            out_t = teacher(x)
            loss_t = F.mse_loss(out_t, t)
            loss_t.backward()
            opt_t.step()
            loss_s = F.mse_loss(student(x), out_t.detach())
            loss_s.backward()
            opt_s.step()
            return loss_t, loss_s

        return Program(step, batches(), [teacher, student], [opt_t, opt_s])

    check(make, "replay")


def test_nested_compiled_functions() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        @rg.compile
        def half_step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            return loss

        def step(x, t):
            return half_step(x[:3], t[:3]), half_step(x[3:], t[3:])

        return Program(step, batches(), [model], [opt])

    check(make, "replay")


def test_classifier_with_a_short_last_batch() -> None:
    def make() -> Program:
        rng = np.random.default_rng(2)
        X = rng.standard_normal((20, 4)).astype(np.float32)
        y = rng.integers(0, 3, 20)
        chunks = [(rg.tensor(X[i : i + 8]), rg.tensor(y[i : i + 8])) for i in range(0, 20, 8)]
        model = mlp(4, 8, 3, act=nn.ReLU)
        opt = optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)

        def step(x, t):
            opt.zero_grad()
            out = model(x)
            loss = F.cross_entropy(out, t)
            loss.backward()
            opt.step()
            return loss, out

        return Program(step, lambda i: chunks[i % 3], [model], [opt])

    check(make, "replay", calls=9)


# -- state changed between calls: re-recorded, never stale --------------------------------
def _program_with(between_factory, model_factory=None) -> Program:
    model = (model_factory or (lambda: mlp(3, 6, 1)))()
    opt = optim.Adam(model.parameters(), lr=0.02)

    step = standard_step(model, opt)

    return Program(step, batches(), [model], [opt], between=between_factory(model, opt))


def test_freezing_between_calls() -> None:
    def between(model, opt):
        return lambda i: i == 2 and model[0].weight.requires_grad_(False)

    out = check(lambda: _program_with(between), "replay")
    assert out.run.n_recordings == 2, out.run.explain()


def test_unfreezing_between_calls() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        model[0].requires_grad_(False)

        step = standard_step(model, opt)

        return Program(
            step, batches(), [model], [opt], between=lambda i: i == 3 and model[0].requires_grad_()
        )

    check(make, "replay")


def test_leaky_relu_slope_changed_between_calls() -> None:
    def between(model, opt):
        def change(i: int) -> None:
            model[1].negative_slope = 0.01 * (i + 1)

        return change

    check(lambda: _program_with(between, lambda: mlp(3, 6, 1, act=nn.LeakyReLU)), "either")


def test_submodule_replaced_between_calls() -> None:
    def between(model, opt):
        def swap(i: int) -> None:
            if i == 3:
                model[2] = nn.Linear(6, 1)

        return swap

    check(lambda: _program_with(between), "replay")


def test_eval_then_train_with_dropout() -> None:
    def make() -> Program:
        model = nn.Sequential(nn.Linear(3, 6), nn.Dropout(0.5), nn.Linear(6, 1))
        model.eval()
        opt = optim.SGD(model.parameters(), lr=0.1)

        step = standard_step(model, opt)

        return Program(step, batches(), [model], [opt], between=lambda i: i == 2 and model.train())

    check(make, "eager", "random")


def test_learning_rate_and_weight_decay_changed_between_calls() -> None:
    def between(model, opt):
        def change(i: int) -> None:
            opt.param_groups[0]["lr"] = 0.01 * (i + 1)
            opt.param_groups[0]["weight_decay"] = 0.001 * i

        return change

    check(lambda: _program_with(between), "replay")


def test_optimizer_replaced_between_calls() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        holder = {"opt": optim.SGD(model.parameters(), lr=0.1)}

        def step(x, t):
            opt = holder["opt"]
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            return loss

        def between(i: int) -> None:
            if i == 3:
                holder["opt"] = optim.Adam(model.parameters(), lr=0.01)

        return Program(step, batches(), [model], [], between=between)

    check(make, "replay")


def test_closure_float_changed_between_calls() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        scale = 1.0

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t) * scale
            loss.backward()
            opt.step()
            return loss

        def between(i: int) -> None:
            nonlocal scale
            scale = 1.0 + (i // 2)

        return Program(step, batches(), [model], [opt], between=between)

    check(make, "replay")


def test_global_flag_choosing_the_loss() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        MODE["loss"] = "mse"

        def step(x, t):
            opt.zero_grad()
            out = model(x)
            loss = F.mse_loss(out, t) if MODE["loss"] == "mse" else F.l1_loss(out, t)
            loss.backward()
            opt.step()
            return loss

        def between(i: int) -> None:
            MODE["loss"] = "mse" if i < 3 else "l1"

        return Program(step, batches(), [model], [opt], between=between)

    check(make, "replay")


def test_attributes_of_a_global_config_object() -> None:
    def make() -> Program:
        model = mlp(3, 6, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        CFG.scale = 1.0
        Config.temperature = 1.0

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x) / Config.temperature, t) * CFG.scale
            loss.backward()
            opt.step()
            return loss

        def between(i: int) -> None:
            CFG.scale = 1.0 + 0.5 * (i % 2)
            if i == 4:
                Config.temperature = 2.0

        return Program(step, batches(), [model], [opt], between=between)

    check(make, "replay")


class Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Linear(3, 1)
        self.scale = 1.0

    def forward(self, x):
        return self.inner(x) * self.scale


def test_user_module_attribute_changed_between_calls() -> None:
    def between(model, opt):
        def change(i: int) -> None:
            model.scale = 1.0 + i

        return change

    check(lambda: _program_with(between, Scaled), "replay")


def test_forward_hook_added_between_calls() -> None:
    seen: list[int] = []

    def between(model, opt):
        def add(i: int) -> None:
            if i == 2:
                model[0].register_forward_hook(lambda m, a, out: seen.append(1))

        return add

    check(lambda: _program_with(between), "eager", "hooks")


def test_tensor_hook_on_a_parameter_added_between_calls() -> None:
    def between(model, opt):
        def add(i: int) -> None:
            if i == 2:
                model[0].weight.register_hook(lambda g: g * 0.5)

        return add

    check(lambda: _program_with(between), "eager", "hook")


def test_model_cast_to_float64_between_calls() -> None:
    def make() -> Program:
        model = mlp(3, 4, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        data = batches()

        step = standard_step(model, opt)

        def args(i: int):
            x, t = data(i)
            return (x.double(), t.double()) if i >= 3 else (x, t)

        return Program(step, args, [model], [opt], between=lambda i: i == 3 and model.double())

    check(make, "either")


# -- Python scalars as arguments ------------------------------------------------------------
def test_int_float_and_bool_arguments_are_different_signatures() -> None:
    def make() -> Program:
        values = [1, 1.0, True, 2, 2.5, False]
        ints = rg.tensor(np.arange(6))
        return Program(lambda x, s: x * s, lambda i: (ints, values[i]))

    out = check(make, "replay")
    assert len(out.run.recordings) == 6


def test_keyword_arguments_fall_back() -> None:
    x, t = seed_data()
    compiled = rg.compile(lambda x, t: (x * t).sum())
    compiled(x, t)
    with pytest.warns(UserWarning, match="arguments other than"):
        result = compiled(x, t=t)
    assert result.item() == (x * t).sum().item()


# -- escapes: values leave the graph, or Python changes what it holds -----------------------
def _escape_program(body) -> Program:
    model = mlp(3, 5, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, t):
        opt.zero_grad()
        loss = body(model, x, t)
        loss.backward()
        opt.step()
        return loss

    return Program(step, batches(), [model], [opt])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (lambda m, x, t: F.mse_loss(m(x), t) * (2.0 if x.numpy().mean() > 0 else 1.0), "numpy()"),
        (lambda m, x, t: F.mse_loss(m(x), t) * (2.0 if x.data.mean() > 0 else 1.0), ".data"),
        (lambda m, x, t: F.mse_loss(m(x / x.data.max()), t), ".data"),
        (lambda m, x, t: F.mse_loss(m(x), t) * float(np.asarray(x).std()), "np.asarray"),
        (lambda m, x, t: F.mse_loss(m(x), t) * (2.0 if (x.sum() > 0) else 1.0), "bool()"),
        (lambda m, x, t: F.mse_loss(m(x), t) * float(x.abs().max()), "float()"),
        (lambda m, x, t: F.mse_loss(m(x), t) / x[0, 0].item(), "item()"),
        (lambda m, x, t: F.mse_loss(m(x), t) * len(x.tolist()), "tolist()"),
        (lambda m, x, t: F.mse_loss(m(x), t) * (1.0 + len(repr(x)) * 0), "repr()"),
    ],
)
def test_values_read_into_python_fall_back(body, reason: str) -> None:
    out = check(lambda: _escape_program(body), "eager", reason)
    assert "test_battery.py" in out.warnings[0]  # the line that did it


def test_writes_through_grad_data_fall_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            for p in model.parameters():
                p.grad.data *= 0.5
            opt.step()
            return loss

        return Program(step, batches(), [model], [opt])

    check(make, "eager", ".grad")


def test_writes_through_data_fall_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            for p in model.parameters():
                p.data *= 0.9
            return loss

        return Program(step, batches(), [model], [opt])

    check(make, "eager", ".data")


def test_manual_sgd_update_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)

        def step(x, t):
            model.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            with rg.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            return loss

        return Program(step, batches(), [model], [])

    check(make, "eager", ".grad")


def test_lr_warmup_written_inside_the_step_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        calls = [0]

        def step(x, t):
            calls[0] += 1
            for group in opt.param_groups:
                group["lr"] = 0.1 * min(1.0, calls[0] / 4)
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            return loss

        return Program(step, batches(), [model], [opt])

    check(make, "eager", "every time it runs")


def test_warmup_from_a_nonlocal_counter_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        count = 0

        def step(x, t):
            nonlocal count
            count += 1
            opt.zero_grad()
            loss = F.mse_loss(model(x), t) * min(1.0, count / 3)
            loss.backward()
            opt.step()
            return loss

        return Program(step, batches(), [model], [opt])

    check(make, "eager", "count")


def test_slope_set_inside_the_step_from_a_counter_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1, act=nn.LeakyReLU)
        opt = optim.SGD(model.parameters(), lr=0.1)
        state = {"k": 0}

        def step(x, t):
            state["k"] += 1
            model[1].negative_slope = 0.01 * state["k"]
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            return loss

        return Program(step, batches(), [model], [opt])

    check(make, "eager", "every time it runs")


def test_appending_to_a_list_falls_back() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        history: list = []

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            history.append(loss)
            loss.backward()
            opt.step()
            return loss

        return Program(step, batches(), [model], [opt], extra=lambda: list(history))

    check(make, "eager", "history")


def test_print_inside_the_step_falls_back(capsys) -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)

        def step(x, t):
            print("step")
            return F.mse_loss(model(x), t)

        return Program(step, batches(), [model], [])

    check(make, "eager", "print")
    assert capsys.readouterr().out.count("step") == 12


def test_train_mode_set_inside_the_step_is_stable() -> None:
    def make() -> Program:
        model = mlp(3, 5, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, t):
            model.train()
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            loss.backward()
            opt.step()
            return loss

        return Program(step, batches(), [model], [opt], between=lambda i: model.eval())

    check(make, "either")


def test_random_numbers_from_numpy_and_python_fall_back() -> None:
    for draw, reason in ((np.random.rand, "numpy.random"), (random.random, "random module")):

        def make(draw=draw) -> Program:
            model = mlp(3, 4, 1)
            return Program(lambda x, t: F.mse_loss(model(x), t) * draw(), batches(), [model])

        check(make, "eager", reason)


def test_retain_grad_and_custom_functions_fall_back() -> None:
    class Double(rg.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    def make_retain() -> Program:
        model = mlp(3, 4, 1)

        def step(x, t):
            h = model(x)
            h.retain_grad()
            loss = F.mse_loss(h, t)
            loss.backward()
            return loss

        return Program(step, batches(), [model])

    def make_function() -> Program:
        model = mlp(3, 4, 1)
        return Program(lambda x, t: F.mse_loss(Double.apply(model(x)), t), batches(), [model])

    check(make_retain, "eager", "retain_grad")
    check(make_function, "eager", "custom Function")


def test_exception_inside_the_step() -> None:
    def make() -> Program:
        model = mlp(3, 4, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)
        flags = {"fail": False}

        def step(x, t):
            opt.zero_grad()
            loss = F.mse_loss(model(x), t)
            if flags["fail"]:
                raise ValueError("planned failure")
            loss.backward()
            opt.step()
            return loss

        def between(i: int) -> None:
            flags["fail"] = i == 3

        return Program(step, batches(), [model], [opt], between=between)

    check(make, "replay")


def test_anomaly_mode_runs_the_step_itself() -> None:
    def make() -> Program:
        model = mlp(3, 4, 1)
        opt = optim.SGD(model.parameters(), lr=0.1)

        step = standard_step(model, opt)

        def between(i: int) -> None:
            if i == 2:
                program.anomaly = rg.detect_anomaly()
                program.anomaly.__enter__()
            if i == 4:
                program.anomaly.__exit__(None, None, None)

        program = Program(step, batches(), [model], [opt], between=between)
        return program

    check(make, "replay")


def test_explain_names_guards_re_recordings_and_the_fallback() -> None:
    model = mlp(3, 4, 1, act=nn.LeakyReLU)
    opt = optim.SGD(model.parameters(), lr=0.1)
    run = rg.compile(standard_step(model, opt))
    x, t = seed_data()
    run(x, t)
    text = run.explain()
    assert "1 recording(s) made" in text
    assert "closure variable 'model'" in text and ".1.negative_slope" in text
    model[1].negative_slope = 0.3
    run(x, t)
    assert "re-recorded: guard failed: " in run.explain()
    assert "negative_slope" in run.explain().split("re-recorded: guard failed: ")[1]
    reads_a_value = rg.compile(lambda x: x * float(x.sum()))
    with pytest.warns(UserWarning, match="float"):
        reads_a_value(x)
    assert "runs eagerly because float()" in reads_a_value.explain()
