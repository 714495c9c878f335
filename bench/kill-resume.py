#!/usr/bin/env python3
"""Kill and resume a training command (bench/results/2026-12-02-kill-resume.md).

Runs COMMAND -o OUT, sends SIGTERM (or --signal INT) at a random moment (uniform in [--min, --max] seconds) after its training
started (its "checkpoints go to" line on stderr), --kills times, each run after the first continuing with
--resume OUT.checkpoint; then lets the last resumed run finish. One line per run: exit status, seconds, the
step it stopped at, hs_err files in the working directory, and at the end what is left beside OUT.

  bench/kill-resume.py --kills 3 --seed 7 --min 10 --max 60 --out OUT.onnx -- bin/nncj finetune ... -q
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time


def run(command, kill_after, workdir, signum):
    started = time.time()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=workdir)
    training = threading.Event()
    lines = []

    def read_err():
        for line in child.stderr:
            lines.append(line.rstrip("\n"))
            if "checkpoints go to" in line:
                training.set()

    reader = threading.Thread(target=read_err, daemon=True)
    reader.start()
    out = []
    threading.Thread(target=lambda: out.extend(child.stdout), daemon=True).start()
    if kill_after is not None:
        while not training.wait(0.1):
            if child.poll() is not None:
                break
        time.sleep(kill_after)
        if child.poll() is None:
            child.send_signal(signum)
    rc = child.wait()
    reader.join(5)
    return rc, time.time() - started, lines, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kills", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--min", type=float, default=5)
    p.add_argument("--max", type=float, default=60)
    p.add_argument("--out", required=True)
    p.add_argument("--signal", default="TERM", choices=["TERM", "INT"])
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    command = [c for c in a.command if c != "--"] + ["-o", a.out]
    folder = os.path.abspath(a.out) + ".checkpoint"
    workdir = os.path.dirname(os.path.abspath(a.out))
    rng = random.Random(a.seed)
    for i in range(a.kills + 1):
        resume = ["--resume", folder] if os.path.isdir(folder) else []
        delay = rng.uniform(a.min, a.max) if i < a.kills else None
        before = set(f for f in os.listdir(workdir) if f.startswith("hs_err"))
        rc, seconds, err, out = run(command + resume, delay, workdir, getattr(signal, "SIG" + a.signal))
        hs_err = sorted(set(f for f in os.listdir(workdir) if f.startswith("hs_err")) - before)
        stop = next((l for l in err if "training stopped" in l), "")
        step = re.search(r"at step (\d+) of (\d+)", stop)
        print(f"run {i + 1}: {'resume ' if resume else ''}SIG{a.signal} after "
              f"{'-' if delay is None else f'{delay:.1f} s'} of training: rc {rc}, {seconds:.0f} s, "
              f"stopped at step {step.group(1) + ' of ' + step.group(2) if step else '-'}, hs_err {hs_err or 'none'}")
        for line in err:
            if line.startswith("nncj:") and "checkpoints go to" not in line:
                print("    " + line)
        if delay is None:
            for line in out[:2]:
                print("    " + line.rstrip())
    left = sorted(f for f in os.listdir(workdir) if f.startswith(os.path.basename(a.out)))
    print("beside the output:", left)


if __name__ == "__main__":
    sys.exit(main())
