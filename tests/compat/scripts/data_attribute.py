"""Idioms that reach through `.data` to the tensor's storage: weight init with
`weight.data.uniform_()`, `bias.data.fill_()`, a manual SGD step with `p.data.add_()`, and
`torch.max(outputs.data, 1)` from the CIFAR-10 tutorial."""

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 3)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.fc1.weight.data.uniform_(-initrange, initrange)
        self.fc1.bias.data.fill_(0.01)
        self.fc2.weight.data.uniform_(-initrange, initrange)
        self.fc2.bias.data.zero_()

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def main():
    torch.manual_seed(0)
    x = torch.randn(300, 4)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = Net()
    criterion = nn.CrossEntropyLoss()
    lr = 0.5
    for step in range(200):
        model.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.data.add_(p.grad.data, alpha=-lr)
    outputs = model(x)
    _, predicted = torch.max(outputs.data, 1)
    accuracy = (predicted == y).sum().item() / y.size(0)
    return {"loss": loss.item(), "accuracy": accuracy}
