"""A Kim-style CNN text classifier: nn.Embedding, parallel nn.Conv1d filters in an
nn.ModuleList, max-over-time pooling with F.max_pool1d, torch.cat, Dropout, Adagrad."""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

POSITIVE = [3, 4]  # token ids that, once adjacent as the bigram (3, 4), make a sequence positive


class TextCNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_filters, filter_sizes, num_classes, dropout=0.3):
        super(TextCNN, self).__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.convs = nn.ModuleList(
            [
                nn.Conv1d(in_channels=embed_dim, out_channels=num_filters, kernel_size=k)
                for k in filter_sizes
            ]
        )
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(len(filter_sizes) * num_filters, num_classes)

    def forward(self, x):
        x = self.embedding(x)  # (batch, seq_len, embed_dim)
        x = x.permute(0, 2, 1)  # (batch, embed_dim, seq_len)
        x = [F.relu(conv(x)) for conv in self.convs]
        x = [F.max_pool1d(c, c.size(2)).squeeze(2) for c in x]
        x = torch.cat(x, 1)
        x = self.dropout(x)
        return self.fc(x)


def make_data(n, seq_len, vocab):
    x = torch.randint(5, vocab, (n, seq_len))
    y = torch.randint(0, 2, (n,))
    where = torch.randint(0, seq_len - 1, (n,))
    for i in range(n):
        if y[i] == 1:
            x[i, where[i]] = POSITIVE[0]
            x[i, where[i] + 1] = POSITIVE[1]
        else:
            x[i, where[i]] = POSITIVE[1]
            x[i, where[i] + 1] = POSITIVE[0]
    return x, y


def main():
    torch.manual_seed(3)
    x, y = make_data(600, 20, 30)
    dataset = TensorDataset(x[:500], y[:500])
    loader = DataLoader(dataset, batch_size=25, sampler=RandomSampler(dataset))
    model = TextCNN(30, 16, 8, [2, 3, 4], 2)
    optimizer = torch.optim.Adagrad(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[6, 9], gamma=0.5)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(10):
        model.train()
        epoch_loss, n = 0.0, 0
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item() * inputs.size(0)
            n += inputs.size(0)
        scheduler.step()
        print(f"Epoch {epoch + 1:02d} | Loss: {epoch_loss / n:.4f}")
    model.eval()
    with torch.no_grad():
        logits = model(x[500:])
        accuracy = (logits.argmax(1) == y[500:]).float().mean().item()
    print(f"Test accuracy: {accuracy * 100:.1f}%")
    return {"accuracy": accuracy}
