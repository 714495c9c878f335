#!/usr/bin/env python3
"""How much of each selection or test sentence a training phrase already covers.

SST-2's GLUE train holds the treebank's phrases as well as its sentences, and our dev.tsv is held
out of GLUE train by row, so a dev sentence's sub-phrases are often training rows. Usage:
  python3 overlap.py TRAIN.tsv NAME=FILE.tsv ...
For each file: rows, the share that is a training row verbatim, the share of which a training
phrase of 5 or more words covers at least half the words, and the mean covered share.
"""
import sys


def rows(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t")[0].strip() for line in f][1:]


def longest_training_span(words, train, min_span):
    best = 0
    for i in range(len(words)):
        for j in range(len(words), i + min_span - 1, -1):
            if j - i <= best:
                break
            if " ".join(words[i:j]) in train:
                best = j - i
                break
    return best


def main():
    train = set(rows(sys.argv[1]))
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        rs = rows(path)
        exact = sum(1 for r in rs if r in train)
        cover = [longest_training_span(r.split(), train, 5) / max(1, len(r.split())) for r in rs]
        print(f"{name}: {len(rs)} rows, verbatim in train {exact / len(rs):.3f}, "
              f">= half the words covered by one training phrase {sum(c >= 0.5 for c in cover) / len(rs):.3f}, "
              f"mean covered share {sum(cover) / len(rs):.3f}")


if __name__ == "__main__":
    main()
