#!/usr/bin/env python3
"""A selection set of full sentences and a training set that holds none of their phrases.

Usage: python3 clean-split.py TRAIN.tsv DEV.tsv MIN_WORDS OUT_TRAIN.tsv OUT_DEV.tsv
OUT_DEV: DEV's rows of at least MIN_WORDS words (test.tsv's sentences are 19.5 words on average,
dev.tsv's rows 9.5). OUT_TRAIN: TRAIN without every row that is a span of 3 or more words of an
OUT_DEV sentence, so a student distilled on OUT_TRAIN and selected on OUT_DEV is selected on text
it has not seen, as test.tsv is.
"""
import os
import sys


def main():
    train_path, dev_path, min_words, out_train, out_dev = sys.argv[1:6]
    for path in (out_train, out_dev):  # checked before any work: no half-written pair, no input overwritten
        if os.path.exists(path):
            sys.exit(f"clean-split: {path} exists; give a new file")
    with open(dev_path, encoding="utf-8") as f:
        dev = f.readlines()
    selected = [dev[0]] + [line for line in dev[1:] if len(line.split("\t")[0].split()) >= int(min_words)]
    spans = set()
    for line in selected[1:]:
        words = line.split("\t")[0].split()
        for i in range(len(words)):
            for j in range(i + 3, len(words) + 1):
                spans.add(" ".join(words[i:j]))
    with open(train_path, encoding="utf-8") as f:
        train = f.readlines()
    kept = [train[0]] + [line for line in train[1:] if line.split("\t")[0].strip() not in spans]
    for path, lines in ((out_dev, selected), (out_train, kept)):
        with open(path, "x", encoding="utf-8") as f:  # never over an existing file
            f.writelines(lines)
    print(f"{out_dev}: {len(selected) - 1} sentences; {out_train}: {len(kept) - 1} of {len(train) - 1} rows "
          f"({len(train) - len(kept)} phrases of the selection sentences left out)")


if __name__ == "__main__":
    main()
