"""An MLP written with torch.nn.functional: F.relu, F.dropout(training=self.training),
F.cross_entropy with label smoothing, SGD with Nesterov momentum and ReduceLROnPlateau."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits


class MLP(nn.Module):
    def __init__(self, in_features, hidden, num_classes, p=0.2):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, num_classes)
        self.p = p

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=self.p, training=self.training)
        x = F.gelu(self.fc2(x))
        x = F.dropout(x, p=self.p, training=self.training)
        return self.fc3(x)


def main():
    torch.manual_seed(42)
    np.random.seed(42)
    digits = load_digits()
    X = torch.tensor(digits.data, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.long)
    X = (X - X.mean(dim=0)) / (X.std(dim=0) + 1e-6)
    perm = torch.randperm(len(X))
    train_idx, val_idx = perm[:1400], perm[1400:]
    X_train, y_train = X[train_idx], y[train_idx]
    X_val, y_val = X[val_idx], y[val_idx]

    model = MLP(64, 64, 10)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4
    )
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=0.5, patience=1
    )
    batch_size = 100
    for epoch in range(12):
        model.train()
        permutation = torch.randperm(X_train.size()[0])
        for i in range(0, X_train.size()[0], batch_size):
            indices = permutation[i : i + batch_size]
            batch_x, batch_y = X_train[indices], y_train[indices]
            optimizer.zero_grad()
            logits = model(batch_x)
            loss = F.cross_entropy(logits, batch_y, label_smoothing=0.1)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val)
            val_loss = F.cross_entropy(val_logits, y_val).item()
            probs = F.softmax(val_logits, dim=-1)
            val_acc = (probs.argmax(dim=-1) == y_val).float().mean().item()
            one_hot = F.one_hot(y_val, num_classes=10).float()
            brier = F.mse_loss(probs, one_hot, reduction="sum").item() / len(y_val)
        scheduler.step(val_loss)
        lr = optimizer.param_groups[0]["lr"]
        print(
            f"epoch {epoch}: val_loss={val_loss:.4f} val_acc={val_acc:.3f} "
            f"brier={brier:.4f} lr={lr}"
        )
    return {"val_acc": val_acc, "val_loss": val_loss, "brier": brier}
