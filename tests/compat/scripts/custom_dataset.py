"""A custom Dataset with __len__/__getitem__, random_split with a seeded generator, a
WeightedRandomSampler for imbalanced classes, num_workers, and a CIFAR-tutorial-style loop."""

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler, random_split


class BlobsDataset(Dataset):
    """Three Gaussian blobs in 2-D; class 2 is rare."""

    def __init__(self, n_samples=900, transform=None):
        rng = np.random.default_rng(0)
        counts = [int(n_samples * 0.46), int(n_samples * 0.46)]
        counts.append(n_samples - sum(counts[:2]))
        centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
        self.features = []
        self.labels = []
        for label, (center, count) in enumerate(zip(centers, counts)):
            self.features.append(rng.normal(center, 0.8, size=(count, 2)))
            self.labels += [label] * count
        self.features = np.concatenate(self.features).astype(np.float32)
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        if torch.is_tensor(idx):
            idx = idx.tolist()
        sample = self.features[idx]
        if self.transform:
            sample = self.transform(sample)
        return torch.tensor(sample, dtype=torch.float32), torch.tensor(self.labels[idx])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x):
        return self.layers(x)


def main():
    torch.manual_seed(0)
    dataset = BlobsDataset(transform=lambda s: s * 1.0)
    n_val = len(dataset) // 5
    train_set, val_set = random_split(
        dataset, [len(dataset) - n_val, n_val], generator=torch.Generator().manual_seed(42)
    )
    train_labels = [int(dataset.labels[i]) for i in train_set.indices]
    class_count = np.bincount(train_labels)
    weights = [1.0 / class_count[label] for label in train_labels]
    sampler = WeightedRandomSampler(weights, num_samples=len(weights), replacement=True)
    trainloader = DataLoader(train_set, batch_size=16, sampler=sampler, num_workers=2)
    valloader = DataLoader(val_set, batch_size=64, shuffle=False, num_workers=2)

    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(4):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            if i % 10 == 9:
                print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 10:.3f}")
                running_loss = 0.0
    print("Finished Training")

    classes = ("top", "right", "left")
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    correct = 0
    total = 0
    with torch.no_grad():
        for data in valloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            for label, prediction in zip(labels, predicted):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    for classname, correct_count in correct_pred.items():
        accuracy = 100 * float(correct_count) / max(total_pred[classname], 1)
        print(f"Accuracy for class: {classname:5s} is {accuracy:.1f} %")
    return {
        "accuracy": correct / total,
        "rare_recall": correct_pred["left"] / max(total_pred["left"], 1),
        "n_train": float(len(train_set)),
        "n_batches": float(len(trainloader)),
    }
