#!/usr/bin/env python3
"""Writes the structured triangulation of the unit square as a gmsh MSH 2.2 file.

    scripts/make_structured_square.py N OUT.msh

N x N squares, each cut by its "right" diagonal, from (i, j) to (i+1, j+1): the mesh FEniCS
builds with UnitSquareMesh(N, N) (diagonal="right"), which hIPPYlib's subsurface benchmark
uses. Gmsh's mesher cannot be told to produce exactly this, and the file is simple, so it is
written directly. Vertices are numbered row by row (x fastest). Physical tags follow
meshes/README.md: 1 bottom (y = 0), 2 right (x = 1), 3 top (y = 1), 4 left (x = 0), 10 the
domain. Plain Python (no numpy) so that it runs with any python3.
"""
import sys


def write(n, path):
    nv = (n + 1) * (n + 1)

    def vid(i, j):
        return j * (n + 1) + i + 1  # 1-based gmsh node ids

    lines = ["$MeshFormat", "2.2 0 8", "$EndMeshFormat", "$PhysicalNames", "5",
             '1 1 "bottom"', '1 2 "right"', '1 3 "top"', '1 4 "left"', '2 10 "domain"',
             "$EndPhysicalNames", "$Nodes", str(nv)]
    for j in range(n + 1):
        for i in range(n + 1):
            lines.append("%d %.17g %.17g 0" % (vid(i, j), i / n, j / n))
    lines.append("$EndNodes")
    elems = []
    # Boundary segments: type 1 (2-node line), two tags (physical, elementary).
    for i in range(n):
        elems.append("1 2 1 1 %d %d" % (vid(i, 0), vid(i + 1, 0)))
    for j in range(n):
        elems.append("1 2 2 2 %d %d" % (vid(n, j), vid(n, j + 1)))
    for i in range(n, 0, -1):
        elems.append("1 2 3 3 %d %d" % (vid(i, n), vid(i - 1, n)))
    for j in range(n, 0, -1):
        elems.append("1 2 4 4 %d %d" % (vid(0, j), vid(0, j - 1)))
    # Triangles, type 2, counter-clockwise: (v0, v1, v3) and (v0, v3, v2).
    for j in range(n):
        for i in range(n):
            v0, v1, v2, v3 = vid(i, j), vid(i + 1, j), vid(i, j + 1), vid(i + 1, j + 1)
            elems.append("2 2 10 1 %d %d %d" % (v0, v1, v3))
            elems.append("2 2 10 1 %d %d %d" % (v0, v3, v2))
    lines.append("$Elements")
    lines.append(str(len(elems)))
    lines.extend("%d %s" % (k + 1, e) for k, e in enumerate(elems))
    lines.append("$EndElements")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_structured_square.py N OUT.msh  (N >= 1 squares per side)")
    try:
        n = int(sys.argv[1])
    except ValueError:
        sys.exit("make_structured_square.py: N must be an integer, got '%s'" % sys.argv[1])
    if n < 1 or n > 4096:
        sys.exit("make_structured_square.py: N must be in 1..4096, got %d" % n)
    write(n, sys.argv[2])


if __name__ == "__main__":
    main()
