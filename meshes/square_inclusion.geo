// square_inclusion.geo -- unit square with a circular inclusion of radius 0.2
// centred at (0.5,0.5); the mesh conforms to the circle (the background and the
// inclusion surfaces share the four circle arcs). Triangles.
// Characteristic length h: override with `gmsh -setnumber h 0.05 ...`.
// Physical tags:
//   curves:   1 = bottom (y=0), 2 = right (x=1), 3 = top (y=1), 4 = left (x=0),
//             5 = interface circle (r = 0.2 about (0.5,0.5))
//   surfaces: 10 = background (outside the circle), 11 = inclusion
If (!Exists(h))
  h = 0.1;
EndIf

General.NumThreads = 1;    // deterministic meshing
Mesh.Algorithm     = 6;    // 2D: Frontal-Delaunay
Mesh.ElementOrder  = 1;
Mesh.RecombineAll  = 0;    // triangles only
Mesh.SaveAll       = 0;    // only save physical entities

xc = 0.5; yc = 0.5; r = 0.2;

// outer square
Point(1) = {0, 0, 0, h};
Point(2) = {1, 0, 0, h};
Point(3) = {1, 1, 0, h};
Point(4) = {0, 1, 0, h};
Line(1) = {1, 2};   // bottom
Line(2) = {2, 3};   // right
Line(3) = {3, 4};   // top
Line(4) = {4, 1};   // left

// circle: centre + 4 points, 4 quarter arcs
Point(5) = {xc,     yc,     0, h};
Point(6) = {xc + r, yc,     0, h};
Point(7) = {xc,     yc + r, 0, h};
Point(8) = {xc - r, yc,     0, h};
Point(9) = {xc,     yc - r, 0, h};
Circle(5) = {6, 5, 7};
Circle(6) = {7, 5, 8};
Circle(7) = {8, 5, 9};
Circle(8) = {9, 5, 6};

Curve Loop(1) = {1, 2, 3, 4};     // outer boundary
Curve Loop(2) = {5, 6, 7, 8};     // circle
Plane Surface(1) = {1, 2};        // background (square with hole)
Plane Surface(2) = {2};           // inclusion

Physical Curve("bottom", 1)    = {1};
Physical Curve("right", 2)     = {2};
Physical Curve("top", 3)       = {3};
Physical Curve("left", 4)      = {4};
Physical Curve("interface", 5) = {5, 6, 7, 8};
Physical Surface("background", 10) = {1};
Physical Surface("inclusion", 11)  = {2};
