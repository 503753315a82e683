"""`retrograd.utils.data` stands in for `torch.utils.data`: the same import paths, the same
objects as `retrograd.data`, and a PyTorch training script that runs with the import swapped."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import retrograd
import retrograd.data
import retrograd.utils.data

NAMES = {
    "dataloader": ["DataLoader", "default_collate", "default_convert", "get_worker_info"],
    "dataset": [
        "ChainDataset",
        "ConcatDataset",
        "Dataset",
        "IterableDataset",
        "Subset",
        "TensorDataset",
        "random_split",
    ],
    "sampler": [
        "BatchSampler",
        "RandomSampler",
        "Sampler",
        "SequentialSampler",
        "SubsetRandomSampler",
        "WeightedRandomSampler",
    ],
}


@pytest.mark.parametrize("submodule", sorted(NAMES))
def test_torchs_paths_give_retrograds_objects(submodule: str) -> None:
    import importlib

    theirs = importlib.import_module(f"torch.utils.data.{submodule}")
    ours = importlib.import_module(f"retrograd.utils.data.{submodule}")
    for name in NAMES[submodule]:
        assert hasattr(theirs, name), name  # the path is PyTorch's
        assert getattr(ours, name) is getattr(retrograd.data, name), name
        assert getattr(retrograd.utils.data, name) is getattr(retrograd.data, name), name


def test_distributed_sampler_paths() -> None:
    from retrograd.distributed import DistributedSampler
    from retrograd.utils.data.distributed import DistributedSampler as via_submodule

    assert via_submodule is DistributedSampler
    assert retrograd.utils.data.DistributedSampler is DistributedSampler
    assert isinstance(DistributedSampler(range(4), 2, 0), retrograd.utils.data.Sampler)


def test_attribute_access_from_the_package_root() -> None:
    assert retrograd.utils.data.DataLoader is retrograd.data.DataLoader
    assert set(retrograd.utils.data.__all__) <= set(dir(retrograd.utils.data)) | {
        "DistributedSampler",
        "distributed",
    }


def test_importing_utils_data_loads_no_mpi_and_no_distributed() -> None:
    code = (
        "import sys; import retrograd as torch; torch.utils.data.DataLoader; "
        "print('mpi4py' in sys.modules, 'retrograd.distributed' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


SCRIPT = textwrap.dedent(
    """
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset, RandomSampler
    from torch.utils.data.dataloader import default_collate

    torch.manual_seed(0)
    X = torch.randn(64, 3)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1
    dataset = TensorDataset(X, y)
    loader = DataLoader(
        dataset,
        batch_size=16,
        sampler=RandomSampler(dataset),
        num_workers=2,
        pin_memory=True,
        persistent_workers=True,
        collate_fn=default_collate,
    )
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    losses = []
    for epoch in range(20):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / len(loader.dataset))
    result = (len(loader), losses[0], losses[-1])
    """
)


def run_script(source: str) -> tuple[int, float, float]:
    namespace: dict[str, object] = {}
    exec(compile(source, "<script>", "exec"), namespace)
    return namespace["result"]  # type: ignore[return-value]


@pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true")
@pytest.mark.parametrize("library", ["torch", "retrograd"])
def test_a_pytorch_script_runs_with_the_import_swapped(library: str) -> None:
    source = SCRIPT
    if library == "retrograd":
        source = source.replace("import torch\n", "import retrograd as torch\n")
        source = source.replace("from torch", "from retrograd")
    n_batches, first, last = run_script(source)
    assert n_batches == 4
    assert last < 0.01 < first  # the model learned the linear map
