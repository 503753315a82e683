"""An LSTM reads MNIST-shaped images row by row (28 steps of 28 pixels), then BatchNorm1d,
Dropout2d on the 2-D features (PyTorch warns and drops single elements), Adadelta and StepLR.

Adapted from pytorch/examples (BSD-3-Clause), mnist_rnn/main.py: the model, train and test code
are the example's; the data is small and synthetic (10 blob patterns with shifts and noise,
normalized as MNIST) instead of torchvision's MNIST, and the run is shorter.
"""

import argparse
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(64)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, input):
        # Shape of input is (batch_size,1, 28, 28)
        # converting shape of input to (batch_size, 28, 28)
        # as required by RNN when batch_first is set True
        input = input.reshape(-1, 28, 28)
        output, hidden = self.rnn(input)

        # RNN output shape is (seq_len, batch, input_size)
        # Get last output of RNN
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.dropout1(output)
        output = self.fc1(output)
        output = F.relu(output)
        output = self.dropout2(output)
        output = self.fc2(output)
        output = F.log_softmax(output, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(
                "Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                    epoch,
                    batch_idx * len(data),
                    len(train_loader.dataset),
                    100.0 * batch_idx / len(train_loader),
                    loss.item(),
                )
            )
            if args.dry_run:
                break


def test(args, model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()
            if args.dry_run:
                break

    test_loss /= len(test_loader.dataset)

    print(
        "\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n".format(
            test_loss, correct, len(test_loader.dataset), 100.0 * correct / len(test_loader.dataset)
        )
    )


def synthetic_mnist(n, seed):
    """(n, 1, 28, 28) float images of 10 classes, normalized with MNIST's mean and std."""
    rs = np.random.RandomState(0)
    yy, xx = np.mgrid[0:28, 0:28]
    templates = np.zeros((10, 28, 28))
    for k in range(10):
        for _ in range(3):
            cy, cx, s = rs.uniform(6, 22), rs.uniform(6, 22), rs.uniform(2, 4)
            templates[k] += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, n)
    images = np.clip(templates[labels] + rs.normal(0, 0.1, (n, 28, 28)), 0, 1)
    images = (images - 0.1307) / 0.3081
    return torch.tensor(images[:, None], dtype=torch.float32), torch.tensor(labels)


def main():
    warnings.simplefilter("ignore")  # dropout2d's warning for a 2-D input, as in PyTorch
    args = argparse.Namespace(epochs=4, lr=0.1, gamma=0.7, dry_run=False, log_interval=10)
    device = torch.device("cpu")
    torch.manual_seed(1)
    train_loader = DataLoader(TensorDataset(*synthetic_mnist(1600, 1)), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(*synthetic_mnist(300, 2)), batch_size=300, shuffle=True)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(args, model, device, test_loader)
        scheduler.step()

    model.eval()
    with torch.no_grad():
        x, y = next(iter(test_loader))
        output = model(x)
        loss = F.nll_loss(output, y).item()
        accuracy = output.argmax(dim=1).eq(y).float().mean().item()
    return {"accuracy": accuracy, "test_loss": loss, "lr": scheduler.get_last_lr()[0]}
