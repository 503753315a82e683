"""A GRU/LSTM sequence classifier: is the running sum of a noisy sequence positive at the end?"""

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class SequenceClassifier(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes, cell="gru"):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        rnn_class = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn_class(
            input_size, hidden_size, num_layers, batch_first=True, dropout=0.1, bidirectional=True
        )
        self.fc = nn.Linear(hidden_size * 2, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size).to(x.device)
        if isinstance(self.rnn, nn.LSTM):
            c0 = torch.zeros(self.num_layers * 2, x.size(0), self.hidden_size).to(x.device)
            out, _ = self.rnn(x, (h0, c0))
        else:
            out, _ = self.rnn(x, h0)
        out = self.fc(out[:, -1, :])
        return out


def make_data(n, seq_len):
    x = torch.randn(n, seq_len, 2)
    y = (x[:, :, 0].sum(dim=1) > 0).long()
    return x, y


def evaluate(model, loader, device):
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return correct / total


def main():
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x_train, y_train = make_data(512, 12)
    x_test, y_test = make_data(256, 12)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=128, shuffle=False)

    results = {}
    for cell in ("gru", "lstm"):
        model = SequenceClassifier(2, 16, 2, 2, cell=cell).to(device)
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        total_step = len(train_loader)
        for epoch in range(6):
            model.train()
            for i, (inputs, labels) in enumerate(train_loader):
                inputs = inputs.to(device)
                labels = labels.to(device)
                outputs = model(inputs)
                loss = criterion(outputs, labels)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
                optimizer.step()
                if (i + 1) % 8 == 0:
                    print(
                        f"Epoch [{epoch + 1}/6], Step [{i + 1}/{total_step}], "
                        f"Loss: {loss.item():.4f}"
                    )
        results[f"{cell}_accuracy"] = evaluate(model, test_loader, device)
    return results
