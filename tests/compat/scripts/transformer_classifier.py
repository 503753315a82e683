"""A small Transformer-encoder sequence classifier with sinusoidal positional encoding, in the
style of PyTorch's transformer tutorial: does token 1 occur more often than token 2?"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        """x: Tensor, shape ``[seq_len, batch_size, embedding_dim]``"""
        x = x + self.pe[: x.size(0)]
        return self.dropout(x)


class TransformerClassifier(nn.Module):
    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, nclasses, dropout=0.1):
        super().__init__()
        self.model_type = "Transformer"
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers)
        self.embedding = nn.Embedding(ntoken, d_model, padding_idx=0)
        self.d_model = d_model
        self.classifier = nn.Linear(d_model, nclasses)
        self.init_weights()

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.embedding.weight, -initrange, initrange)
        nn.init.zeros_(self.classifier.bias)
        nn.init.uniform_(self.classifier.weight, -initrange, initrange)

    def forward(self, src, src_key_padding_mask=None):
        """src: Tensor, shape ``[seq_len, batch_size]``"""
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, src_key_padding_mask=src_key_padding_mask)
        keep = (~src_key_padding_mask).t().unsqueeze(-1).float()
        pooled = (output * keep).sum(dim=0) / keep.sum(dim=0)
        return self.classifier(pooled)


def make_data(n, max_len, vocab):
    tokens = torch.randint(1, vocab, (n, max_len))
    lengths = torch.randint(max_len // 2, max_len + 1, (n,))
    positions = torch.arange(max_len).unsqueeze(0)
    padding = positions >= lengths.unsqueeze(1)
    tokens = tokens.masked_fill(padding, 0)
    labels = ((tokens == 1).sum(dim=1) > (tokens == 2).sum(dim=1)).long()
    return tokens, padding, labels


def main():
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    vocab, max_len = 6, 16
    tokens, padding, labels = make_data(1024, max_len, vocab)
    train = TensorDataset(tokens[:768], padding[:768], labels[:768])
    test = TensorDataset(tokens[768:], padding[768:], labels[768:])
    train_loader = DataLoader(train, batch_size=32, shuffle=True)
    test_loader = DataLoader(test, batch_size=256)
    model = TransformerClassifier(vocab, 32, 4, 64, 2, 2, dropout=0.1).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    epochs = 8
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    for epoch in range(epochs):
        model.train()
        total_loss = 0.0
        for src, mask, target in train_loader:
            src, mask, target = src.to(device).t(), mask.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(src, src_key_padding_mask=mask)
            loss = F.cross_entropy(output, target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            total_loss += loss.item()
        scheduler.step()
        print(
            f"epoch {epoch:2d} | lr {scheduler.get_last_lr()[0]:.5f} | "
            f"loss {total_loss / len(train_loader):.4f}"
        )
    model.eval()
    correct = 0
    with torch.no_grad():
        for src, mask, target in test_loader:
            output = model(src.t(), src_key_padding_mask=mask)
            correct += (output.argmax(dim=1) == target).sum().item()
    return {"accuracy": correct / len(test), "train_loss": total_loss / len(train_loader)}
