#!/usr/bin/python3
"""Reference for `nncj bench --train`: the same training step in PyTorch eager (development only).

The model has all-MiniLM-L6-v2's architecture (BERT post-norm encoder: vocabulary 30522, hidden 384,
6 layers, 12 heads, FFN 1536, erf GELU, no dropout as in the ONNX export NNCJ trains), mask-aware
mean pooling and a 2-class linear head, as `nncj finetune` builds it. Weights are random: values do
not change the cost of a step. One fixed batch of random token ids, full mask; each step is forward,
cross-entropy, backward, gradient clipping to norm 1 and an AdamW update, as NNCJ's Trainer does.

Usage: /usr/bin/python3 bench/pytorch/minilm_train_step.py [--batch 32] [--seq-len 64] [--threads N]
(Debian's python3-torch; prints JSON with the p50 step time.)
"""
import argparse
import json
import math
import statistics
import time

import torch
from torch import nn

VOCAB, HIDDEN, LAYERS, HEADS, FFN, POSITIONS = 30522, 384, 6, 12, 1536, 512


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.out = nn.Linear(HIDDEN, HIDDEN)
        self.norm1 = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.up = nn.Linear(HIDDEN, FFN)
        self.down = nn.Linear(FFN, HIDDEN)
        self.norm2 = nn.LayerNorm(HIDDEN, eps=1e-12)

    def forward(self, h, additive_mask):
        b, s, _ = h.shape
        q, k, v = self.qkv(h).view(b, s, 3, HEADS, HIDDEN // HEADS).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + additive_mask
        context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, s, HIDDEN)
        h = self.norm1(h + self.out(context))
        return self.norm2(h + self.down(nn.functional.gelu(self.up(h))))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(VOCAB, HIDDEN)
        self.position = nn.Embedding(POSITIONS, HIDDEN)
        self.token_type = nn.Embedding(2, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.head = nn.Linear(HIDDEN, 2)

    def forward(self, ids, mask, types):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        h = self.norm(self.word(ids) + self.position(positions) + self.token_type(types))
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            h = layer(h, additive)
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.head(pooled)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: PyTorch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = Classifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
    ids = torch.randint(0, VOCAB, (args.batch, args.seq_len))
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    labels = torch.arange(args.batch) % 2
    times = []
    for i in range(args.warmup + args.runs):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(ids, mask, types), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if i >= args.warmup:
            times.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(times)
    print(json.dumps({"framework": "pytorch-eager " + torch.__version__, "threads": torch.get_num_threads(),
                      "batch": args.batch, "seq_len": args.seq_len, "steps": args.runs,
                      "step_p50_ms": p50, "samples_per_s": args.batch / (p50 / 1000)}))


if __name__ == "__main__":
    main()
