#!/usr/bin/env bash
# Regenerate every .msh in this directory from its .geo source.
# Produced with gmsh 4.8.4; output is ASCII MSH 2.2, first-order simplices.
# The .msh files are byte-for-byte reproducible with the same gmsh version.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

GMSH=${GMSH:-gmsh}

expected="4.8.4"
actual=$("$GMSH" --version 2>&1 | tail -n 1)
if [[ "$actual" != "$expected" ]]; then
  echo "warning: gmsh $actual found, meshes were produced with gmsh $expected;" \
       "output may differ" >&2
fi

# mesh <geo-name> <dim> <suffix> <h>
mesh() {
  local name=$1 dim=$2 suffix=$3 h=$4
  echo "gmsh -$dim -format msh22 -setnumber h $h $name.geo -o ${name}_${suffix}.msh"
  "$GMSH" -"$dim" -format msh22 -setnumber h "$h" -nt 1 -v 2 \
    "$name.geo" -o "${name}_${suffix}.msh"
}

mesh unit_square      2 coarse 0.1
mesh unit_square      2 fine   0.05
mesh l_shape          2 coarse 0.1
mesh l_shape          2 fine   0.05
mesh square_inclusion 2 coarse 0.1
mesh square_inclusion 2 fine   0.05
mesh unit_cube        3 coarse 0.25
mesh unit_cube        3 fine   0.125
