#!/usr/bin/env python3
"""The layer order of pdeinv's library, and its check (run by CTest as `layering`).

A header or source in include/pdeinv/<layer>/ or src/<layer>/ includes only from its own layer
or lower ones. This list is the one place the order is written (docs refer to it). `problem`
composes the layers below into an inverse problem (InverseProblem, from options or code) and
lists the registered components; `analysis` (verification, identifiability) works on one;
`workflow` (the Inversion: weight choice, checkpoints, run directory) sits on top.
"""
import os
import re
import sys

LAYERS = ["core", "mesh", "fem", "io", "physics", "forward", "inverse", "transient", "optim",
          "bayes", "problem", "analysis", "workflow"]


def violations(root):
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    found = []
    for top in ("include/pdeinv", "src"):
        base = os.path.join(root, top)
        for layer in sorted(os.listdir(base)):
            folder = os.path.join(base, layer)
            if not os.path.isdir(folder):
                continue
            if layer not in rank:
                found.append("%s: a layer missing from LAYERS in scripts/check_layers.py" % folder)
                continue
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = re.match(r'\s*#\s*include\s+"pdeinv/(\w+)/', line)
                        if m and m.group(1) in rank and rank[m.group(1)] > rank[layer]:
                            found.append("%s:%d: %s (layer %s) includes from %s, a higher layer"
                                         % (os.path.relpath(path, root), number, line.strip(),
                                            layer, m.group(1)))
    return found


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    bad = violations(os.path.abspath(root))
    for b in bad:
        print(b)
    print("layering: %d violation(s); order %s" % (len(bad), " < ".join(LAYERS)))
    sys.exit(1 if bad else 0)
