"""Every finding code the doctor and `DoctorCallback` can report: what it means, how it is
measured, how to fix it, and a minimal example that triggers it.

`FINDING_CODES` is the one table; the documentation page of the findings is generated from it
(`findings_page()`), and a test checks that the page in the docs equals it and that every code a
check can emit is in it. Each example runs after the page's setup block (`SETUP`) and prints
True when the finding is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FINDING_CODES", "SETUP", "CodeDoc", "findings_page"]


@dataclass(frozen=True)
class CodeDoc:
    """One finding code: `meaning`, `measured` (how), `fix`, `example` (Python, prints True;
    empty when the finding cannot be triggered on purpose), `source` ("doctor" or "callback")."""

    meaning: str
    measured: str
    fix: str
    example: str
    source: str = "doctor"


SETUP = """\
import numpy as np

import retrograd as rg
from retrograd import nn, optim
from retrograd.diagnostics import doctor
from retrograd.train import DoctorCallback, fit

rng = np.random.default_rng(0)
X = rng.standard_normal((200, 5)).astype(np.float32)
y = np.tanh(X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5], dtype=np.float32)).reshape(-1, 1)
y = (y - y.mean()) / y.std()
labels = (X[:, 0] > 0).astype(np.int64)


def mlp(inputs=5, outputs=1, hidden=16, activation=nn.ReLU):
    rg.manual_seed(0)
    return nn.Sequential(nn.Linear(inputs, hidden), activation(), nn.Linear(hidden, outputs))


def examine(model, X, y, loss_fn=None, lr=1e-2, **kwargs):
    loss_fn = loss_fn or nn.MSELoss()
    optimizer = kwargs.pop("optimizer", None) or optim.Adam(model.parameters(), lr=lr)
    return doctor(model, loss_fn, X, y, optimizer, **kwargs)
"""

FINDING_CODES: dict[str, CodeDoc] = {
    "weights-nonfinite": CodeDoc(
        "The model's parameters or buffers hold NaN or infinite values; every output, loss and "
        "gradient is then meaningless, so the checks that run the model are skipped.",
        "Every tensor of the state dict is tested with `np.isfinite`.",
        "Train again from a fresh initialisation (lower learning rate, gradient clipping, "
        "scaled inputs) or load a checkpoint saved before the weights went bad.",
        "model = mlp()\nmodel[0].weight.data[0, 0] = np.nan\n"
        'print("weights-nonfinite" in examine(model, X, y, quick=True))',
    ),
    "data-nonfinite": CodeDoc(
        "The inputs or the targets hold NaN or infinite values.",
        "`np.isfinite` over the inputs and the targets.",
        "Drop or impute those samples; look at how the file was read.",
        "X_bad = X.copy()\nX_bad[3, 1] = np.nan\n"
        'print("data-nonfinite" in examine(mlp(), X_bad, y, quick=True))',
    ),
    "unscaled-features": CodeDoc(
        "Input features on scales orders of magnitude apart, with a large spread, or far from "
        "zero.",
        "Per-feature mean, standard deviation and magnitude: a magnitude ratio above 100, a "
        "standard deviation above 10, or a mean more than 5 standard deviations from zero.",
        "Standardise the inputs with retrograd.data.StandardScaler fitted on the training set.",
        'print("unscaled-features" in examine(mlp(), X * 1000.0, y, quick=True))',
    ),
    "constant-feature": CodeDoc(
        "Input features with one value over the whole data set.",
        "Columns equal to their first row everywhere.",
        "Drop the constant columns, or check that the right columns were loaded.",
        "X_const = X.copy()\nX_const[:, :2] = 1.0\n"
        'print("constant-feature" in examine(mlp(), X_const, y, quick=True))',
    ),
    "conflicting-duplicates": CodeDoc(
        "Identical inputs with different targets: no model can fit both.",
        "Rows grouped by their inputs (`np.unique`); groups whose targets differ.",
        "Remove or relabel the conflicting samples, or add the feature that tells them apart.",
        "X_dup, y_dup = X.copy(), y.copy()\nX_dup[1] = X_dup[0]\ny_dup[1] = y_dup[0] + 1\n"
        'print("conflicting-duplicates" in examine(mlp(), X_dup, y_dup, quick=True))',
    ),
    "class-imbalance": CodeDoc(
        "The largest class is much bigger than the smallest (3 times: a note; 10 times: a "
        "warning).",
        "Class counts of the targets.",
        "Weight the loss by inverse class frequency or resample; judge by per-class recall.",
        "rare = (X[:, 0] > 1.6).astype(np.int64)\n"
        'print("class-imbalance" in examine(mlp(outputs=2), X, rare, nn.CrossEntropyLoss(), '
        "quick=True))",
    ),
    "too-few-samples": CodeDoc(
        "Far more parameters than samples (over 10 per sample): the model can memorise them.",
        "Parameter count against sample count.",
        "Hold out a validation set; use a smaller model, weight decay or more data.",
        'print("too-few-samples" in examine(mlp(hidden=64), X[:20], y[:20], quick=True))',
    ),
    "unscaled-targets": CodeDoc(
        "Regression targets far from unit scale (a mean or standard deviation above 10, or "
        "tiny): the loss at init is huge, the first gradients explode, and one learning rate "
        "cannot suit every layer. It explains loss-at-init, exploding-gradient, cannot-overfit "
        "and the learning-rate findings, which are listed under it.",
        "Mean and standard deviation of each target column, for a regression loss.",
        "Standardise the targets (y - mean) / std, train on them, map predictions back.",
        "report = examine(mlp(), X, 5e4 + 2e4 * y, lr=1e-3)\nprint(report.headline.code == "
        '"unscaled-targets")',
    ),
    "label-leakage": CodeDoc(
        "An input feature equal to the target, a scaled copy of it, or a one-to-one "
        "relabelling of the classes: the model reads the answer from its input.",
        "Correlation of every feature with every target column (|r| >= 0.9999), and for class "
        "targets, features whose values map one-to-one onto the classes.",
        "Drop the feature (and anything computed from the target) from the inputs.",
        "X_leak = np.concatenate([X, 3 * y - 1], axis=1)\n"
        'print(examine(mlp(inputs=6), X_leak, y, quick=True).headline.code == "label-leakage")',
    ),
    "split-overlap": CodeDoc(
        "Validation rows that also occur in the training data (given with `validation_data=`).",
        "Each validation row's bytes looked up among the training rows.",
        "Remove duplicates before splitting, or split by group.",
        "report = examine(mlp(), X, y, quick=True, validation_data=(X[:40], y[:40]))\n"
        'print("split-overlap" in report)',
    ),
    "params-not-optimized": CodeDoc(
        "Parameters the model trains that the optimizer does not hold, so they never change; "
        "typically the model was rebuilt after the optimizer was created and the optimizer "
        "steps the old instance's tensors.",
        "Identity of the model's parameters (requires_grad) against the optimizer's param groups.",
        "Create the optimizer from this model's parameters, after building the model.",
        "model = mlp()\nold_optimizer = optim.Adam(model.parameters())\nmodel = mlp()\n"
        "report = examine(model, X, y, optimizer=old_optimizer, quick=True)\n"
        'print(report.headline.code == "params-not-optimized")',
    ),
    "optimizer-extra-params": CodeDoc(
        "The optimizer holds tensors that are not parameters of the model.",
        "As params-not-optimized, the other way round.",
        "Build the optimizer from model.parameters() of the model you train.",
        "model, other = mlp(), mlp(hidden=3)\n"
        "both = optim.Adam([*model.parameters(), *other.parameters()])\n"
        'print("optimizer-extra-params" in examine(model, X, y, optimizer=both, quick=True))',
    ),
    "unusual-setting": CodeDoc(
        "An optimizer or layer setting outside the range it is normally used in, named as "
        "itself: the setting, its value, the usual range (learning rate, momentum, betas, "
        "weight decay, eps; Dropout p, BatchNorm momentum and eps, LeakyReLU slope).",
        "Each setting against a table of usual ranges per optimizer and layer class.",
        "Move the setting inside its usual range (start from the library default).",
        'print(examine(mlp(), X, y, lr=5.0, quick=True).headline.code == "unusual-setting")',
    ),
    "symmetric-init": CodeDoc(
        "Hidden units that start identical (the same incoming weights and bias, the same "
        "outgoing weights): they get identical gradients and stay identical, so the layer "
        "works as one unit. All-zero or constant initialisation does this.",
        "Rows of each layer's weight (with its bias) next to the columns of the next layer's "
        "weight, grouped with `np.unique`.",
        "Initialise weights randomly (reset_parameters(), kaiming_uniform_); zeros only for "
        "biases and the output layer.",
        "model = mlp()\nfor p in model.parameters():\n    p.data[...] = 0.0\n"
        'print(examine(model, X, y, quick=True).headline.code == "symmetric-init")',
    ),
    "output-loss-mismatch": CodeDoc(
        "An output layer, a loss and targets that do not go together (a softmax before "
        "CrossEntropyLoss, a sigmoid before BCEWithLogitsLoss, targets out of the output's "
        "range, float class labels, one output unit for many classes).",
        "The model's last layer (traced once) and its outputs on the data, against the loss "
        "and the targets.",
        "Follow the finding's fix: usually drop the final activation and use the loss that "
        "takes logits.",
        "model = nn.Sequential(mlp(outputs=2), nn.Softmax(dim=1))\n"
        'print("output-loss-mismatch" in examine(model, X, labels, nn.CrossEntropyLoss(), '
        "quick=True))",
    ),
    "loss-broadcast": CodeDoc(
        "The loss pairs samples with the wrong targets: predictions (N, 1) against targets "
        "(N,) broadcast into an (N, N) matrix in a hand-written loss.",
        "The gradient of the loss with respect to each prediction, with one sample's target "
        "changed: another sample's gradient must not move. Reported with the shapes.",
        "Give predictions and targets the same shape before the loss (pred.squeeze(1)).",
        "def my_mse(pred, target):\n    return ((pred - target) ** 2).mean()\n\n\n"
        "report = examine(mlp(), X, y.reshape(-1), my_mse, quick=True)\n"
        'print(report.headline.code == "loss-broadcast")',
    ),
    "loss-at-init": CodeDoc(
        "The loss before training is far from what a neutral network scores (log K for K "
        "classes, Var(y) for MSE), or not finite.",
        "The loss of the untouched model on up to 1024 samples against that reference.",
        "Scale the last layer's initial weights down; standardise inputs and targets.",
        "model = mlp(outputs=2)\nmodel[2].weight.data *= 100\n"
        'print("loss-at-init" in examine(model, X, labels, nn.CrossEntropyLoss(), quick=True))',
    ),
    "graph-cut": CodeDoc(
        "No gradient reaches some parameters although they change the loss: the graph is cut "
        "between the loss and their layer (detach, no_grad, .data, a NumPy round trip).",
        "backward() on a float64 copy; for each parameter left without a gradient, finite "
        "differences of the loss along a random direction.",
        "Keep that part of forward in the graph: remove .detach(), .data and NumPy round trips.",
        "class Cut(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.a, self.b = nn.Linear(5, 8), nn.Linear(8, 1)\n\n"
        "    def forward(self, x):\n        return self.b(self.a(x).relu().detach())\n\n\n"
        'print(examine(Cut(), X, y, quick=True).headline.code == "graph-cut")',
    ),
    "gradient-mismatch": CodeDoc(
        "The analytic gradients disagree with finite differences where the loss is smooth: a "
        "backward is wrong. The finding names the backward (a custom Function, a layer, the "
        "loss) and the pattern (sign flipped, scaled by k, zeros).",
        "gradcheck on a float64 copy of the model, loss and data, with a step scaled to the "
        "parameters and a tolerance that grows with the loss; disagreeing elements are looked "
        "at from both sides to rule out kinks; then the loss and each layer alone.",
        "Fix the named backward; check it alone with retrograd.gradcheck.",
        "from retrograd.diagnostics import BuggyMSELoss\n\n"
        "report = examine(mlp(), X[:8], y[:8], BuggyMSELoss(), quick=True)\n"
        'print(report.headline.code == "gradient-mismatch")',
    ),
    "not-differentiable": CodeDoc(
        "The gradient check is inconclusive at some elements because the loss has a kink "
        "there (a ReLU input at exactly 0, a max with a tie): the left and right slopes "
        "differ. Not a wrong backward.",
        "For each element where gradcheck disagrees, the one-sided differences: when they "
        "disagree with each other, the element sits on a kink.",
        "Nothing to fix; check the backward at a smooth point if in doubt.",
        "model = mlp(hidden=4)\nmodel[0].bias.data[...] = 0.0\n"
        'print("not-differentiable" in examine(model, np.zeros((8, 5), np.float32), y[:8], '
        "quick=True))",
    ),
    "dead-relu": CodeDoc(
        "ReLU units that output 0 for every sample: they pass no gradient and never recover.",
        "ReLU outputs over up to 1024 samples, read with forward hooks on a copy.",
        "kaiming_normal_ init and a small positive bias before ReLUs, a lower learning rate, "
        "or LeakyReLU.",
        "model = mlp()\nmodel[0].bias.data[...] = -10.0\n"
        'print("dead-relu" in examine(model, X, y, quick=True))',
    ),
    "saturated-activation": CodeDoc(
        "Sigmoid/tanh units whose input is beyond the flat part of the curve on most samples: "
        "their gradient is nearly zero.",
        "Pre-activations over up to 1024 samples: |z| > 4 (sigmoid) or 2 (tanh) on 90% of them.",
        "Standardise inputs, xavier init, or ReLU hidden layers.",
        "model = mlp(activation=nn.Sigmoid)\nmodel[0].weight.data *= 50\n"
        'print("saturated-activation" in examine(model, X, y, quick=True))',
    ),
    "vanishing-gradient": CodeDoc(
        "Gradients shrink by orders of magnitude on their way back to the first layers.",
        "RMS gradient of each layer's weight after one backward on a copy (spread above 1000).",
        "ReLU-family activations, kaiming/xavier init, normalisation or residual connections.",
        "rg.manual_seed(0)\nlayers = [nn.Linear(5, 16), nn.Sigmoid()]\n"
        "for _ in range(8):\n    layers += [nn.Linear(16, 16), nn.Sigmoid()]\n"
        "deep = nn.Sequential(*layers, nn.Linear(16, 1))\n"
        'print("vanishing-gradient" in examine(deep, X, y, quick=True))',
    ),
    "exploding-gradient": CodeDoc(
        "Gradients huge next to the weights (RMS gradient over 100 times the RMS weight), or "
        "growing by orders of magnitude towards the input.",
        "RMS gradient and RMS weight of each layer after one backward on a copy.",
        "Smaller init, standardised inputs and targets, a lower learning rate, or clipping.",
        "rg.manual_seed(0)\nlayers = [nn.Linear(5, 16), nn.ReLU()]\n"
        "for _ in range(8):\n    layers += [nn.Linear(16, 16), nn.ReLU()]\n"
        "deep = nn.Sequential(*layers, nn.Linear(16, 1))\n"
        "for layer in deep[::2]:\n    layer.weight.data *= 6.0\n"
        'print("exploding-gradient" in examine(deep, X, y, quick=True))',
    ),
    "update-ratio": CodeDoc(
        "One optimizer step changes the weights by a fraction far from the usual ~1e-3.",
        "One step of a copy of the caller's optimizer: |update| / |weight| per layer.",
        "Adjust the learning rate about tenfold towards the usual ratio.",
        "model = mlp()\n"
        'print("update-ratio" in examine(model, X, y, optimizer=optim.SGD(model.parameters(), '
        "lr=1e-9), quick=True))",
    ),
    "grad-not-zeroed": CodeDoc(
        "A training step that never clears the gradients: each update follows the sum of all "
        "past gradients.",
        "The caller's train_step run on copies; the gradient it leaves against the previous "
        "one plus a fresh one.",
        "Call optimizer.zero_grad() before loss.backward() in every step.",
        "def step(model, optimizer, loss_fn, X, y):\n    loss_fn(model(X), y).backward()\n"
        "    optimizer.step()\n\n\n"
        'print("grad-not-zeroed" in examine(mlp(), X, y, train_step=step, quick=True))',
    ),
    "cannot-overfit": CodeDoc(
        "The model cannot drive the loss near zero on 8-16 distinct samples in 300 Adam steps; "
        "the shape of the curve (rose, flat, still falling, levelled) points at a bug, the "
        "learning rate or the capacity.",
        "Two short Adam runs on a copy (lr 1e-2, then 1e-3 or 3e-2).",
        "Depends on the shape: fix a bug, raise the learning rate, or add capacity.",
        'X_xor, y_xor = rg.datasets.load("xor")\nrg.manual_seed(0)\n'
        "linear = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())\n"
        'print("cannot-overfit" in examine(linear, X_xor, y_xor))',
    ),
    "lr-too-high": CodeDoc(
        "With the caller's optimizer the loss diverges in a short run; an LR range test "
        "suggests a range.",
        "30 steps of a copy of the caller's optimizer on 64 samples, then an LR range test.",
        "Lower the learning rate into the suggested range.",
        "model = mlp()\n"
        'print("lr-too-high" in examine(model, X, y, optimizer=optim.SGD(model.parameters(), '
        "lr=0.9)))",
    ),
    "lr-too-low": CodeDoc(
        "With the caller's optimizer the loss barely moves while larger rates make it fall.",
        "As lr-too-high.",
        "Raise the learning rate into the suggested range.",
        "model = mlp()\n"
        'print("lr-too-low" in examine(model, X, y, optimizer=optim.SGD(model.parameters(), '
        "lr=1e-4)))",
    ),
    "input-independent": CodeDoc(
        "The model does no better on its inputs than on zeros after a short fit: it ignores them.",
        "100 Adam steps on the real inputs and on zeros; real must reach below 90% of zeros.",
        "Check that forward uses its argument and that X and y are aligned.",
        "class Ignores(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.out = nn.Linear(5, 1)\n\n"
        "    def forward(self, x):\n        return self.out(x * 0.0)\n\n\n"
        'print("input-independent" in examine(Ignores(), X, y))',
    ),
    "no-signal": CodeDoc(
        "After a short fit on part of the data, the held-out loss is no better than predicting "
        "the training mean or class frequencies, while the training loss fell: the targets "
        "carry no signal the model can find (random or misaligned labels).",
        "60 Adam steps on up to 512 samples; the held-out loss (up to 256 samples) every 5 "
        "steps against the constant prediction's loss.",
        "Check that X and y are aligned and that the target is the right column.",
        "shuffled = rng.permutation(y)\n"
        'print(examine(mlp(hidden=64), X, shuffled).headline.code == "no-signal")',
    ),
    "loss-failed": CodeDoc(
        "The model and the loss cannot run on the data (shapes or dtypes).",
        "The loss of a copy on 8 samples, with the exception caught.",
        "Fix the shapes and dtypes the message names.",
        'print("loss-failed" in examine(mlp(inputs=3), X, y, quick=True))',
    ),
    "check-failed": CodeDoc(
        "One check could not run (its exception is in the message); the others are unaffected.",
        "Any exception raised inside a check.",
        "Nothing to change for the model; a forward with several arguments cannot be driven.",
        "",
    ),
    "training-plateau": CodeDoc(
        "During training, the loss stays for `patience` epochs at the loss of predicting a "
        "constant (the targets' mean or class frequencies).",
        "Epoch losses of the last patience + 1 epochs: moved under 1% and within 5% of the "
        "constant prediction's loss (from up to 4096 training targets).",
        "Run the doctor on the model and data; see its findings.",
        "model = mlp()\ncallback = DoctorCallback(verbose=0)\n"
        "history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e-7), x=X, y=y, "
        "epochs=6, callbacks=[callback], verbose=0)\n"
        'print("training-plateau" in [f.code for f in history.findings])',
        "callback",
    ),
    "training-diverged": CodeDoc(
        "During training, the loss became NaN/inf or rose above twice its best (and above "
        "the first epoch's); names the learning rate in use when the rise began.",
        "Batch and epoch losses, with the learning rate of each epoch.",
        "Lower the learning rate, clip gradients, standardise inputs and targets.",
        "model = mlp()\ncallback = DoctorCallback(verbose=0)\n"
        'with np.errstate(all="ignore"):\n'
        "    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=2.0), x=X, "
        "y=y, epochs=3, callbacks=[callback], verbose=0)\n"
        'print("training-diverged" in [f.code for f in history.findings])',
        "callback",
    ),
    "dead-units-growing": CodeDoc(
        "During training, the share of ReLU units that output 0 for every probe sample grows "
        "to a quarter or more (10 points above its value before training).",
        "After each epoch, the layers of a Sequential run in turn on up to 256 training rows "
        "(no hooks, so compiled steps stay valid).",
        "Lower the learning rate, LeakyReLU/GELU, kaiming init with a small positive bias.",
        "model = mlp(outputs=2, hidden=32)\ncallback = DoctorCallback(verbose=0)\n"
        'with np.errstate(all="ignore"):\n'
        "    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=10.0), "
        "x=X, y=labels, epochs=5, callbacks=[callback], verbose=0)\n"
        'print("dead-units-growing" in [f.code for f in history.findings])',
        "callback",
    ),
    "gradient-collapse": CodeDoc(
        "During training, the gradient norm fell a thousandfold from the first epoch while "
        "the loss is far from zero: the network stopped learning.",
        "The RMS over each epoch's batches of the global gradient norm, read after each step.",
        "Look for saturated or dead units; ReLU-family activations, normalisation.",
        "",
        "callback",
    ),
    "gradient-explosion": CodeDoc(
        "During training, the gradient norm grew a thousandfold or stopped being finite.",
        "As gradient-collapse.",
        "Clip gradients, lower the learning rate, add normalisation.",
        "model = mlp(outputs=2, hidden=32)\ncallback = DoctorCallback(verbose=0)\n"
        'with np.errstate(all="ignore"):\n'
        "    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=3.0), "
        "x=X * 3.0, y=labels, epochs=5, callbacks=[callback], verbose=0)\n"
        'print("gradient-explosion" in [f.code for f in history.findings])',
        "callback",
    ),
    "overfitting": CodeDoc(
        "During training, the validation loss rises for `patience` epochs while the training "
        "loss falls; names the epoch to stop at (the best validation epoch).",
        "Epoch losses and validation losses.",
        "Stop at the named epoch (EarlyStopping with restore_best_weights), regularise, or "
        "use more data.",
        "noisy = y + rng.standard_normal(y.shape).astype(np.float32)\n"
        "model = mlp(hidden=256)\ncallback = DoctorCallback(verbose=0)\n"
        "history = fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=1e-2), "
        "x=X[:40], y=noisy[:40], epochs=40, batch_size=8, validation_data=(X[40:], "
        "noisy[40:]), callbacks=[callback], verbose=0)\n"
        'print("overfitting" in [f.code for f in history.findings])',
        "callback",
    ),
}


def findings_page() -> str:
    """The documentation page of every finding code, as Markdown."""
    lines = [
        "# Findings: what each doctor code means",
        "",
        "Every code `retrograd.doctor` and `retrograd.train.DoctorCallback` can report, with "
        "what it means, how it is measured, how to fix it and a minimal example that "
        "triggers it. This page is generated from `retrograd.diagnostics.codes.FINDING_CODES`, "
        "the table the checks are documented by; a test keeps the two equal and runs every "
        "example. The examples share this setup:",
        "",
        "```python",
        SETUP.rstrip(),
        "```",
    ]
    for source, heading in (("doctor", "Found by doctor"), ("callback", "Found during training")):
        lines += ["", f"## {heading}"]
        for code, doc in FINDING_CODES.items():
            if doc.source != source:
                continue
            lines += [
                "",
                f"### `{code}`",
                "",
                doc.meaning,
                "",
                f"**How it is measured.** {doc.measured}",
                "",
                f"**How to fix it.** {doc.fix}",
                "",
            ]
            if doc.example:
                lines += ["```python", doc.example, "```", "", "```text", "True", "```"]
            else:
                lines += ["No minimal example on this page yet."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m retrograd.diagnostics.codes > docs/guides/findings.md
    print(findings_page(), end="")
