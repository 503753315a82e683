"""A character-level RNN in the style of PyTorch's char-RNN tutorials: one-hot characters,
nn.RNN with an explicit hidden state, RMSprop, and sampling with torch.multinomial."""

import string

import torch
import torch.nn as nn
import torch.nn.functional as F

TEXT = "hello world, hello there, hello again. " * 12
all_characters = sorted(set(TEXT))
n_characters = len(all_characters)


def char_tensor(s):
    tensor = torch.zeros(len(s)).long()
    for c in range(len(s)):
        tensor[c] = all_characters.index(s[c])
    return tensor


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, n_layers=1):
        super(CharRNN, self).__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.n_layers = n_layers
        self.rnn = nn.RNN(input_size, hidden_size, n_layers, nonlinearity="tanh")
        self.decoder = nn.Linear(hidden_size, output_size)

    def forward(self, input, hidden):
        one_hot = F.one_hot(input, self.input_size).float()  # (seq, batch, chars)
        output, hidden = self.rnn(one_hot, hidden)
        return self.decoder(output), hidden

    def init_hidden(self, batch_size):
        return torch.zeros(self.n_layers, batch_size, self.hidden_size)


def random_training_set(data, chunk_len, batch_size):
    inp = torch.zeros(chunk_len, batch_size, dtype=torch.long)
    target = torch.zeros(chunk_len, batch_size, dtype=torch.long)
    for bi in range(batch_size):
        start = torch.randint(0, len(data) - chunk_len - 1, (1,)).item()
        chunk = data[start : start + chunk_len + 1]
        inp[:, bi] = chunk[:-1]
        target[:, bi] = chunk[1:]
    return inp, target


def generate(model, prime_str="h", predict_len=30, temperature=0.5):
    hidden = model.init_hidden(1)
    prime_input = char_tensor(prime_str).unsqueeze(1)
    predicted = prime_str
    _, hidden = model(prime_input[:-1], hidden)
    inp = prime_input[-1:]
    for p in range(predict_len):
        output, hidden = model(inp, hidden)
        output_dist = output.view(-1).div(temperature).exp()
        top_i = torch.multinomial(output_dist, 1)[0]
        predicted_char = all_characters[top_i]
        predicted += predicted_char
        inp = char_tensor(predicted_char).unsqueeze(1)
    return predicted


def main():
    torch.manual_seed(5)
    assert set(TEXT) <= set(string.printable)
    data = char_tensor(TEXT)
    model = CharRNN(n_characters, 48, n_characters)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    loss_avg = 0.0
    for epoch in range(1, 151):
        inp, target = random_training_set(data, 20, 16)
        hidden = model.init_hidden(16)
        model.zero_grad()
        output, hidden = model(inp, hidden)
        loss = criterion(output.reshape(-1, n_characters), target.view(-1))
        loss.backward()
        optimizer.step()
        loss_avg = 0.9 * loss_avg + 0.1 * loss.item() if epoch > 1 else loss.item()
        if epoch % 50 == 0:
            print("[%d %d%%] %.4f" % (epoch, epoch / 150 * 100, loss_avg))
            with torch.no_grad():
                print(generate(model, "he", 30), "\n")
    with torch.no_grad():
        sample = generate(model, "hello", 40, temperature=0.2)
    return {"loss": loss_avg, "sample_has_hello": float("hello" in sample[5:])}
