"""The GPU path, on the emulated accelerator (NumPy under CuPy's rules; see
`retrograd.backend.emulated`): layers, optimizers, model files and the device API give the
CPU's results bit for bit, and mixing devices is a clear error.

The op suites run every op this way through `helpers.check`; this file covers what is built
from ops: layers with their parameters, optimizer state, training steps, saving and loading.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import REAL_GPU, gpu
from helpers import _same as same_values
from retrograd import nn
from retrograd.backend.arrays import is_host, to_host
from retrograd.errors import InvalidArgumentError


@pytest.fixture(autouse=True)
def _on_the_gpu() -> Any:
    with gpu():
        yield


def _same(actual: Any, expected: Any, what: str) -> None:
    same_values(to_host(actual), np.asarray(expected), what)


# layer factory (seeded), input shape, integer input range (None: float input)
LAYERS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...], int | None]] = {
    "Linear": (lambda: nn.Linear(5, 3), (4, 5), None),
    "Bilinear": (lambda: nn.Sequential(nn.Linear(5, 5), nn.Tanh()), (4, 5), None),
    "MLP": (
        lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.0), nn.Linear(8, 3)),
        (5, 6),
        None,
    ),
    "activations": (
        lambda: nn.Sequential(
            nn.Linear(4, 4), nn.GELU(), nn.SiLU(), nn.Softplus(), nn.ELU(), nn.LeakyReLU()
        ),
        (3, 4),
        None,
    ),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 5, 5), None),
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3, stride=2), (2, 2, 7), None),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2), (1, 2, 4, 4), None),
    "CNN": (
        lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 3 * 3, 2),
        ),
        (3, 1, 8, 8),
        None,
    ),
    "AvgPool2d": (lambda: nn.Sequential(nn.Conv2d(1, 2, 1), nn.AvgPool2d(2)), (2, 1, 4, 4), None),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), (6, 4), None),
    "LayerNorm": (lambda: nn.LayerNorm(4), (3, 4), None),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), (3, 4, 5), None),
    "Embedding": (lambda: nn.Embedding(10, 4), (3, 5), 10),
    "RNN": (lambda: nn.RNN(4, 5, batch_first=True), (2, 3, 4), None),
    "LSTM": (lambda: nn.LSTM(4, 5, num_layers=2, batch_first=True), (2, 3, 4), None),
    "GRU": (lambda: nn.GRU(4, 5), (3, 2, 4), None),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2, batch_first=True), (2, 3, 8), None),
    "TransformerEncoderLayer": (
        lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True),
        (2, 3, 8),
        None,
    ),
}


def _input(shape: tuple[int, ...], high: int | None) -> np.ndarray:
    rng = np.random.default_rng(0)
    if high is not None:
        return rng.integers(0, high, shape)
    return rng.standard_normal(shape)


def _forward(model: nn.Module, x: rg.Tensor) -> rg.Tensor:
    if isinstance(model, nn.MultiheadAttention):
        return model(x, x, x)[0]
    out = model(x)
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", LAYERS)
def test_layer_forward_backward_and_steps_equal_the_cpu(name: str) -> None:
    make, shape, high = LAYERS[name]
    rg.manual_seed(0)
    cpu = make().double()
    gpu = copy.deepcopy(cpu).to("cuda")
    assert all(p.is_cuda for p in gpu.parameters()), "Module.to('cuda') left a parameter behind"
    assert all(b.is_cuda for b in gpu.buffers())
    optimizers = [
        rg.optim.Adam(cpu.parameters(), lr=0.01),
        rg.optim.Adam(gpu.parameters(), lr=0.01),
    ]
    array = _input(shape, high)
    for step in range(2):
        outputs = []
        for model, optimizer, where in zip((cpu, gpu), optimizers, ("cpu", "cuda")):
            x = rg.tensor(array if high is not None else array, device=where)
            if high is None:
                x = x.double()
            out = _forward(model, x)
            assert out.device == (rg.device("cuda", 0) if where == "cuda" else "cpu")
            upstream = rg.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape), device=where)
            optimizer.zero_grad()
            (out * upstream).sum().backward()
            optimizer.step()
            outputs.append(out)
        _same(outputs[1].detach().array, outputs[0].detach().array, f"{name} step {step} output")
    for (key, p), q in zip(cpu.named_parameters(), gpu.parameters()):
        _same(q.grad.array, p.grad.array, f"{name}: gradient of {key}")
        _same(q.array, p.array, f"{name}: {key} after two Adam steps")
    for (key, b), c in zip(cpu.named_buffers(), gpu.buffers()):
        _same(c.array, b.array, f"{name}: buffer {key}")
    state = optimizers[1].state_dict()["state"]
    assert all(not is_host(v) for s in state.values() for k, v in s.items() if k != "step"), (
        "optimizer state must live on the parameters' device"
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: rg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: rg.optim.SGD(ps, lr=0.1),
        lambda ps: rg.optim.Adam(ps, lr=0.01, amsgrad=True),
        lambda ps: rg.optim.AdamW(ps, lr=0.01),
        lambda ps: rg.optim.RMSprop(ps, lr=0.01, momentum=0.5),
        lambda ps: rg.optim.Adagrad(ps, lr=0.1),
    ],
)
def test_optimizers_step_on_the_device_as_on_the_cpu(make: Any) -> None:
    rg.manual_seed(1)
    cpu = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    gpu = copy.deepcopy(cpu).cuda()
    x = np.random.default_rng(2).standard_normal((8, 4))
    for model, where in ((cpu, "cpu"), (gpu, "cuda")):
        optimizer = make(model.parameters())
        for _ in range(3):
            optimizer.zero_grad()
            model(rg.tensor(x, device=where)).square().mean().backward()
            optimizer.step()
    for p, q in zip(cpu.parameters(), gpu.parameters()):
        assert q.is_cuda
        _same(q.array, p.array, "parameters after three steps")


def test_fit_trains_a_model_on_the_device() -> None:
    """The digits-style loop through `fit`: a model moved to the GPU trains to the CPU's numbers."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8))
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    results = []
    for where in ("cpu", "cuda"):
        rg.manual_seed(3)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)).double().to(where)
        optimizer = rg.optim.SGD(model.parameters(), lr=0.1)
        inputs = rg.tensor(x, device=where)
        targets = rg.tensor(y, device=where)
        for _ in range(20):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
        results.append(loss.item())
    assert results[0] == results[1] or REAL_GPU and abs(results[0] - results[1]) < 1e-9


def test_saving_a_gpu_model_and_loading_it_onto_either_device(tmp_path: Any) -> None:
    rg.manual_seed(0)
    gpu = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double().cuda()
    optimizer = rg.optim.Adam(gpu.parameters())
    gpu(rg.randn(5, 3, dtype=rg.float64, device="cuda")).sum().backward()
    optimizer.step()
    path = tmp_path / "model.pt"
    rg.save({"model": gpu.state_dict(), "optimizer": optimizer.state_dict()}, path)
    loaded = rg.load(path)
    cpu = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    cpu.load_state_dict(loaded["model"])
    other_gpu = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double().cuda()
    other_gpu.load_state_dict(loaded["model"])
    other_optimizer = rg.optim.Adam(other_gpu.parameters())
    other_optimizer.load_state_dict(loaded["optimizer"])
    for p, q, r in zip(
        gpu.state_dict().values(), cpu.state_dict().values(), other_gpu.state_dict().values()
    ):
        assert q.is_cpu and r.is_cuda
        _same(p.array, q.array, "loaded onto the CPU")
        _same(r.array, q.array, "loaded onto the GPU")
    other_gpu(rg.randn(5, 3, dtype=rg.float64, device="cuda")).sum().backward()
    other_optimizer.step()  # the loaded state is on the parameters' device
    assert all(
        not is_host(v)
        for s in other_optimizer.state_dict()["state"].values()
        for k, v in s.items()
        if k != "step"
    )


def test_device_api_matches_pytorch() -> None:
    assert rg.cuda.is_available() and rg.cuda.device_count() == 1
    x = rg.tensor([1.0, 2.0])
    y = x.cuda()
    assert y.is_cuda and not y.is_cpu and str(y.device) == "cuda:0" and y.device.type == "cuda"
    assert x.to(y.device).is_cuda and y.cpu().is_cpu and y.to("cpu").device == "cpu"
    assert "device='cuda:0'" in repr(y)
    assert y.tolist() == [1.0, 2.0] and y.sum().item() == 3.0
    assert rg.zeros_like(y).is_cuda and rg.ones(2, device="cuda").is_cuda
    with pytest.raises(InvalidArgumentError, match=r"Use Tensor.cpu\(\) to copy"):
        y.numpy()
    np.testing.assert_array_equal(y.cpu().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(y), [1.0, 2.0])  # NumPy conversion copies out


def test_moving_is_differentiable() -> None:
    x = rg.tensor([1.0, -2.0], requires_grad=True)
    (x.cuda() * 3).sum().backward()
    assert x.grad.is_cpu
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])


def test_mixing_devices_is_an_error_naming_both() -> None:
    with pytest.raises(InvalidArgumentError, match="same device.*cuda:0 and cpu"):
        rg.ones(2, device="cuda") + rg.ones(2)
    model = nn.Linear(2, 2).cuda()
    with pytest.raises(InvalidArgumentError, match="same device"):
        model(rg.ones(1, 2))


def test_without_a_gpu_cuda_is_an_error_naming_what_is_available() -> None:
    from retrograd.backend import arrays

    saved = dict(arrays._state)
    arrays._state.update(emulated=0, checked=True, module=None)
    try:
        assert not rg.cuda.is_available()
        with pytest.raises(InvalidArgumentError, match="not available.*CuPy"):
            rg.ones(2).cuda()
        with pytest.raises(InvalidArgumentError, match="not available"):
            nn.Linear(2, 2, device="cuda")
    finally:
        arrays._state.update(saved)


def test_layers_take_a_device_argument() -> None:
    layers = [
        nn.Linear(2, 3, device="cuda"),
        nn.Conv2d(1, 2, 3, device="cuda"),
        nn.ConvTranspose1d(1, 2, 3, device="cuda"),
        nn.RNN(2, 3, device="cuda"),
        nn.LSTM(2, 3, device="cuda"),
        nn.GRU(2, 3, device="cuda"),
        nn.RNNCell(2, 3, device="cuda"),
        nn.LSTMCell(2, 3, device="cuda"),
        nn.GRUCell(2, 3, device="cuda"),
        nn.BatchNorm1d(3, device="cuda"),
        nn.LayerNorm(3, device="cuda"),
        nn.GroupNorm(1, 3, device="cuda"),
        nn.InstanceNorm1d(3, affine=True, device="cuda"),
        nn.RMSNorm(3, device="cuda"),
        nn.MultiheadAttention(4, 2, device="cuda"),
        nn.Embedding(5, 2, device="cuda"),
        nn.TransformerEncoderLayer(4, 2, 8, device="cuda"),
        nn.TransformerDecoderLayer(4, 2, 8, device="cuda"),
        nn.Transformer(4, 2, 1, 1, 8, device="cuda"),
    ]
    for layer in layers:
        tensors = [*layer.named_parameters(), *layer.named_buffers()]
        assert tensors and all(t.is_cuda for _, t in tensors), type(layer).__name__
    assert nn.Transformer.generate_square_subsequent_mask(3, device="cuda").is_cuda


def test_the_prepared_gpu_check_runs_on_the_emulated_device() -> None:
    """`make gpu-check`'s script, rehearsed without a GPU (its suites run in this suite)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--emulate", "--quick", "--skip-suites"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digits CNN: test accuracy" in result.stdout and " ok" in result.stdout
    assert "| mlp 1024x2048x2048x10, batch 512 |" in result.stdout


# ---------------------------------------------------------------------- generated programs
_UNARY = {
    "exp": lambda a: (a * 0.3).exp(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "gelu": lambda a: nn.functional.gelu(a),
    "softplus": lambda a: nn.functional.softplus(a),
    "log_softmax": lambda a: a.log_softmax(-1),
    "square": lambda a: a * a,
    "abs": lambda a: a.abs(),
    "clamp": lambda a: a.clamp(-0.5, 0.7),
    "cumsum": lambda a: a.cumsum(-1),
    "flip": lambda a: a.flip(-1),
    "sort": lambda a: a.sort(-1)[0],
    "index": lambda a: a[..., [0, -1, 0, 1]],
    "mean_keep": lambda a: a - a.mean(-1, keepdim=True),
    "max_keep": lambda a: a - a.amax(-1, keepdim=True),
    "where": lambda a: rg.where(a > 0, a, a * 0.1),
}
_BINARY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b.abs() + 1),
    "matmul": lambda a, b: a @ b.transpose(-1, -2) @ b,
    "maximum": lambda a, b: rg.maximum(a, b),
    "cat": lambda a, b: rg.cat([a, b], -1)[..., : a.shape[-1]],
}


@st.composite
def _programs(draw: Any) -> list[tuple[str, int]]:
    steps = draw(
        st.lists(st.sampled_from(sorted(_UNARY) + sorted(_BINARY)), min_size=1, max_size=8)
    )
    return [(name, draw(st.integers(0, 10))) for name in steps]


def _run(program: list[tuple[str, int]], x: rg.Tensor, y: rg.Tensor) -> rg.Tensor:
    values = [x, y]
    for name, pick in program:
        a = values[pick % len(values)]
        if name in _UNARY:
            values.append(_UNARY[name](a))
        else:
            values.append(_BINARY[name](a, values[(pick // 2) % len(values)]))
    return values[-1]


@settings(max_examples=40, deadline=None)
@given(program=_programs(), seed=st.integers(0, 2**31 - 1))
def test_generated_programs_give_the_cpu_results_on_the_device(
    program: list[tuple[str, int]], seed: int
) -> None:
    """Random chains of ops, forward and backward, on the CPU and on the device: the same
    numbers (bit for bit on the emulated device)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))]
    results = []
    for where in ("cpu", "cuda"):
        inputs = [rg.tensor(a, requires_grad=True, device=where) for a in arrays]
        out = _run(program, *inputs)
        (
            out * rg.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape), device=where)
        ).sum().backward()
        results.append((out.detach(), [t.grad for t in inputs]))
    (cpu_out, cpu_grads), (gpu_out, gpu_grads) = results
    assert gpu_out.is_cuda
    _same(gpu_out.array, cpu_out.array, f"forward of {program}")
    for k, (g, c) in enumerate(zip(gpu_grads, cpu_grads)):
        if c is None:
            assert g is None
            continue
        _same(g.array, c.array, f"gradient of input {k} of {program}")


@pytest.mark.parametrize(
    "make",
    [
        lambda d: rg.distributions.Bernoulli(probs=rg.tensor([0.2, 0.7], device=d)),
        lambda d: rg.distributions.Binomial(5, probs=rg.tensor([0.2, 0.7], device=d)),
        lambda d: rg.distributions.Geometric(probs=rg.tensor([0.2, 0.7], device=d)),
        lambda d: rg.distributions.Poisson(rg.tensor([1.5, 3.0], device=d)),
        lambda d: rg.distributions.Categorical(probs=rg.tensor([[0.2, 0.8], [0.5, 0.5]], device=d)),
        lambda d: rg.distributions.OneHotCategorical(probs=rg.tensor([0.2, 0.8], device=d)),
        lambda d: rg.distributions.Normal(
            rg.tensor([0.0, 1.0], device=d), rg.tensor([1.0, 2.0], device=d)
        ),
    ],
)
def test_distributions_sample_on_their_parameters_device(make: Any) -> None:
    """Draws come from the host generator, so one seed gives the same samples on either device,
    and they land on the parameters' device."""
    samples = []
    for where in ("cpu", "cuda"):
        rg.manual_seed(0)
        samples.append(make(where).sample((3,)))
    assert samples[1].is_cuda
    _same(samples[1].array, samples[0].array, "samples")


def test_to_the_device_a_tensor_is_on_returns_it() -> None:
    """As in PyTorch: no copy, no node, for `.to("cuda")` of a CUDA tensor (or "cpu" of a CPU
    one); `copy=True` still copies."""
    x = rg.ones(3, device="cuda")
    assert x.to("cuda") is x and x.to("cuda:0") is x and x.cuda() is x
    y = rg.ones(3)
    assert y.to("cpu") is y and y.cpu() is y
    assert x.to("cuda", copy=True) is not x


def test_the_default_device_places_factories_parameters_and_buffers() -> None:
    """`set_default_device("cuda")` and `with device("cuda"):`, as PyTorch's: factories,
    parameters and buffers made inside go to the GPU; `*_like` follows its input; a tensor
    handed to `Parameter` stays where it is; `None` goes back to the CPU."""
    try:
        rg.set_default_device("cuda")
        assert rg.get_default_device() == rg.device("cuda")
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
        assert all(p.is_cuda for p in model.parameters())
        assert all(b.is_cuda for b in model.buffers())
        assert rg.randn(2, 3).is_cuda and rg.tensor([1.0]).is_cuda and rg.arange(3).is_cuda
        assert rg.zeros_like(rg.ones(2, device="cpu")).is_cpu  # follows its input
        host = rg.ones(2, device="cpu")
        assert nn.Parameter(host).is_cpu
        assert model(rg.randn(5, 3)).is_cuda
    finally:
        rg.set_default_device(None)
    assert rg.ones(2).is_cpu and rg.get_default_device() == "cpu"
    with rg.device("cuda"):
        assert rg.ones(2).is_cuda and nn.Linear(2, 2).weight.is_cuda
    assert rg.ones(2).is_cpu


def test_map_location_puts_what_is_loaded_on_that_device(tmp_path: Any) -> None:
    """`load(f, map_location="cuda")`, a device, or `{"cpu": "cuda"}`: tensors, state dicts and
    whole models come back on the GPU (values equal); "cpu" and None leave them on the CPU."""
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    rg.save(model.state_dict(), tmp_path / "state.pt")
    rg.save(model, tmp_path / "model.pt")
    for where in ("cuda", rg.device("cuda"), {"cpu": "cuda"}):
        state = rg.load(tmp_path / "state.pt", map_location=where)
        assert all(t.is_cuda for t in state.values())
        for key, value in model.state_dict().items():
            _same(state[key].array, value.array, key)
        whole = rg.load(tmp_path / "model.pt", map_location=where)
        assert all(p.is_cuda for p in whole.parameters()) and all(
            b.is_cuda for b in whole.buffers()
        )
    for where in ("cpu", None):
        assert all(t.is_cpu for t in rg.load(tmp_path / "state.pt", map_location=where).values())


def test_sparse_coo_tensors_go_where_their_values_or_device_say() -> None:
    indices, values = [[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0]
    cpu = rg.sparse_coo_tensor(indices, values, (2, 3))
    on_gpu = rg.sparse_coo_tensor(indices, values, (2, 3), device="cuda")
    from_gpu_values = rg.sparse_coo_tensor(
        rg.tensor(indices), rg.tensor(np.array(values), device="cuda"), (2, 3)
    )
    assert cpu.is_cpu and on_gpu.is_cuda and from_gpu_values.is_cuda
    _same(on_gpu.array, cpu.array, "device= values")
    _same(from_gpu_values.array, cpu.array, "values' device")


def test_an_op_without_a_gpu_path_says_so_by_name() -> None:
    from retrograd.errors import UnsupportedError

    x = rg.tensor([1.5, 2.5], device="cuda")
    with pytest.raises(UnsupportedError, match=r"Lgamma runs on the CPU only \(CuPy has no lgamma"):
        rg.lgamma(x)
    np.testing.assert_allclose(rg.lgamma(x.cpu()).numpy(), [-0.1207822, 0.2846829], rtol=1e-6)


def test_pytorch_spellings_honour_the_device() -> None:
    """`normal` follows a GPU mean or `device=`; `empty_like(device=)` and the typed
    constructors' `device=` are not ignored."""
    mean = rg.zeros(3, device="cuda")
    assert rg.normal(mean, 1.0).is_cuda and rg.normal(0.0, 1.0, (2,), device="cuda").is_cuda
    assert rg.normal(0.0, 1.0, (2,)).is_cpu
    assert rg.empty_like(rg.ones(2), device="cuda").is_cuda
    assert rg.empty_like(mean, device="cpu").is_cpu
    assert (
        rg.FloatTensor(2, 3, device="cuda").is_cuda and rg.LongTensor([1, 2], device="cuda").is_cuda
    )
    rg.manual_seed(0)
    on_gpu = rg.normal(mean, 1.0)
    rg.manual_seed(0)
    _same(on_gpu.array, rg.normal(rg.zeros(3), 1.0).array, "the same draws on either device")
