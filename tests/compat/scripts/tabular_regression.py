"""A tabular regressor: nn.Sequential with BatchNorm1d and Dropout, model.apply(init), AdamW with
ExponentialLR, and a full checkpoint (epoch, model, optimizer, loss) saved and resumed."""

import os
import tempfile

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def init_weights(m):
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        torch.nn.init.constant_(m.bias, 0.01)


def make_model():
    return nn.Sequential(
        nn.Linear(5, 32),
        nn.BatchNorm1d(32),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(32, 16),
        nn.ReLU(),
        nn.Linear(16, 1),
    )


def run_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for xb, yb in loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.size(0)
    return total / len(loader.dataset)


def main():
    torch.manual_seed(7)
    n = 1024
    X = torch.rand(n, 5) * 4 - 2
    y = (X[:, 0] * X[:, 1] + torch.sin(X[:, 2]) - 0.5 * X[:, 3] ** 2).unsqueeze(1)
    y = y + 0.05 * torch.randn(n, 1)
    mean, std = X[:800].mean(dim=0, keepdim=True), X[:800].std(dim=0, keepdim=True)
    X = (X - mean) / std
    train_loader = DataLoader(TensorDataset(X[:800], y[:800]), batch_size=64, shuffle=True)
    X_test, y_test = X[800:], y[800:]

    model = make_model()
    model.apply(init_weights)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "checkpoint.pt")
        for epoch in range(15):
            loss = run_epoch(model, train_loader, loss_fn, optimizer)
            scheduler.step()
            if epoch % 5 == 0:
                print(
                    f"epoch {epoch:3d}  train mse {loss:.4f}  lr {scheduler.get_last_lr()[0]:.5f}"
                )
        torch.save(
            {
                "epoch": epoch,
                "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(),
                "loss": loss,
            },
            path,
        )

        resumed = make_model()
        resumed_optimizer = torch.optim.AdamW(resumed.parameters(), lr=1e-2, weight_decay=1e-4)
        checkpoint = torch.load(path)
        resumed.load_state_dict(checkpoint["model_state_dict"])
        resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        start_epoch = checkpoint["epoch"] + 1

    model.eval()
    resumed.eval()
    with torch.no_grad():
        pred = model(X_test)
        same = torch.allclose(pred, resumed(X_test), atol=1e-6)
        test_mse = loss_fn(pred, y_test).item()
        ss_res = ((y_test - pred) ** 2).sum()
        ss_tot = ((y_test - y_test.mean()) ** 2).sum()
        r2 = (1 - ss_res / ss_tot).item()
    print(f"test mse {test_mse:.4f}  r2 {r2:.3f}")
    for epoch in range(start_epoch, start_epoch + 2):
        run_epoch(resumed, train_loader, loss_fn, resumed_optimizer)
    return {"test_mse": test_mse, "r2": r2, "resumed_matches": float(same)}
