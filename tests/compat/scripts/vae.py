"""A variational autoencoder in the style of PyTorch's VAE example, on 8x8 digits in [0, 1]."""

import numpy as np
import torch
import torch.utils.data
from sklearn.datasets import load_digits
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(64, 48)
        self.fc21 = nn.Linear(48, 8)
        self.fc22 = nn.Linear(48, 8)
        self.fc3 = nn.Linear(8, 48)
        self.fc4 = nn.Linear(48, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def main():
    torch.manual_seed(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    images = load_digits().images.astype(np.float32) / 16.0
    data = torch.from_numpy(images)
    train_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data[:1500]), batch_size=128, shuffle=True
    )
    test_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(data[1500:]), batch_size=128, shuffle=False
    )
    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)

    for epoch in range(1, 16):
        model.train()
        train_loss = 0
        for batch_idx, (batch,) in enumerate(train_loader):
            batch = batch.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(batch)
            loss = loss_function(recon_batch, batch, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        print(
            "====> Epoch: {} Average loss: {:.4f}".format(
                epoch, train_loss / len(train_loader.dataset)
            )
        )

    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (batch,) in enumerate(test_loader):
            batch = batch.to(device)
            recon_batch, mu, logvar = model(batch)
            test_loss += loss_function(recon_batch, batch, mu, logvar).item()
            if i == 0:
                n = min(batch.size(0), 8)
                comparison = torch.cat([batch[:n], recon_batch.view(128, 1, 8, 8)[:n].squeeze(1)])
                assert comparison.shape == (2 * n, 8, 8)
        sample = torch.randn(16, 8).to(device)
        sample = model.decode(sample).cpu()
        assert tuple(sample.view(16, 1, 8, 8).size()) == (16, 1, 8, 8)
    test_loss /= len(test_loader.dataset)
    print("====> Test set loss: {:.4f}".format(test_loss))
    return {"test_loss": test_loss, "sample_mean": sample.mean().item()}
