// unit_cube.geo -- the unit cube [0,1]^3, tetrahedra.
// Characteristic length h: override with `gmsh -setnumber h 0.125 ...`.
// Physical tags follow PETSc's DMPlexCreateBoxMesh "Face Sets" convention:
//   surfaces: 1 = bottom (z=0), 2 = top (z=1), 3 = front (y=0),
//             4 = back (y=1),   5 = right (x=1), 6 = left (x=0)
//   volume:   10 = domain
If (!Exists(h))
  h = 0.25;
EndIf

General.NumThreads = 1;    // deterministic meshing
Mesh.Algorithm     = 6;    // 2D (surface) meshing: Frontal-Delaunay
Mesh.Algorithm3D   = 1;    // 3D: Delaunay
Mesh.ElementOrder  = 1;
Mesh.RecombineAll  = 0;    // simplices only
Mesh.SaveAll       = 0;    // only save physical entities

Point(1) = {0, 0, 0, h};
Point(2) = {1, 0, 0, h};
Point(3) = {1, 1, 0, h};
Point(4) = {0, 1, 0, h};
Point(5) = {0, 0, 1, h};
Point(6) = {1, 0, 1, h};
Point(7) = {1, 1, 1, h};
Point(8) = {0, 1, 1, h};

// bottom edges (z=0)
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 1};
// top edges (z=1)
Line(5) = {5, 6};
Line(6) = {6, 7};
Line(7) = {7, 8};
Line(8) = {8, 5};
// vertical edges
Line(9)  = {1, 5};
Line(10) = {2, 6};
Line(11) = {3, 7};
Line(12) = {4, 8};

Curve Loop(1) = {1, 2, 3, 4};       Plane Surface(1) = {1};   // bottom z=0
Curve Loop(2) = {5, 6, 7, 8};       Plane Surface(2) = {2};   // top    z=1
Curve Loop(3) = {1, 10, -5, -9};    Plane Surface(3) = {3};   // front  y=0
Curve Loop(4) = {3, 12, -7, -11};   Plane Surface(4) = {4};   // back   y=1
Curve Loop(5) = {2, 11, -6, -10};   Plane Surface(5) = {5};   // right  x=1
Curve Loop(6) = {4, 9, -8, -12};    Plane Surface(6) = {6};   // left   x=0

Surface Loop(1) = {1, 2, 3, 4, 5, 6};
Volume(1) = {1};

Physical Surface("bottom", 1) = {1};
Physical Surface("top", 2)    = {2};
Physical Surface("front", 3)  = {3};
Physical Surface("back", 4)   = {4};
Physical Surface("right", 5)  = {5};
Physical Surface("left", 6)   = {6};
Physical Volume("domain", 10) = {1};
