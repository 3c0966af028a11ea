// unit_square.geo -- the unit square [0,1]^2, triangles.
// Characteristic length h: override with `gmsh -setnumber h 0.05 ...`.
// Physical tags follow PETSc's DMPlexCreateBoxMesh "Face Sets" convention:
//   curves: 1 = bottom (y=0), 2 = right (x=1), 3 = top (y=1), 4 = left (x=0)
//   surface: 10 = domain
If (!Exists(h))
  h = 0.1;
EndIf

General.NumThreads = 1;    // deterministic meshing
Mesh.Algorithm     = 6;    // 2D: Frontal-Delaunay
Mesh.ElementOrder  = 1;
Mesh.RecombineAll  = 0;    // triangles only
Mesh.SaveAll       = 0;    // only save physical entities

Point(1) = {0, 0, 0, h};
Point(2) = {1, 0, 0, h};
Point(3) = {1, 1, 0, h};
Point(4) = {0, 1, 0, h};

Line(1) = {1, 2};   // bottom
Line(2) = {2, 3};   // right
Line(3) = {3, 4};   // top
Line(4) = {4, 1};   // left

Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};

Physical Curve("bottom", 1) = {1};
Physical Curve("right", 2)  = {2};
Physical Curve("top", 3)    = {3};
Physical Curve("left", 4)   = {4};
Physical Surface("domain", 10) = {1};
