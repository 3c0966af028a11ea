// l_shape.geo -- L-shaped domain (0,1)^2 \ [0.5,1]x[0.5,1], triangles.
// Re-entrant corner at (0.5,0.5).
// Characteristic length h: override with `gmsh -setnumber h 0.05 ...`.
// Physical tags:
//   curves: 1 = bottom (y=0), 2 = right (x=1, 0<=y<=0.5),
//           3 = re-entrant edges (y=0.5, 0.5<=x<=1  and  x=0.5, 0.5<=y<=1),
//           4 = top (y=1, 0<=x<=0.5), 5 = left (x=0)
//   surface: 10 = domain
If (!Exists(h))
  h = 0.1;
EndIf

General.NumThreads = 1;    // deterministic meshing
Mesh.Algorithm     = 6;    // 2D: Frontal-Delaunay
Mesh.ElementOrder  = 1;
Mesh.RecombineAll  = 0;    // triangles only
Mesh.SaveAll       = 0;    // only save physical entities

Point(1) = {0,   0,   0, h};
Point(2) = {1,   0,   0, h};
Point(3) = {1,   0.5, 0, h};
Point(4) = {0.5, 0.5, 0, h};   // re-entrant corner
Point(5) = {0.5, 1,   0, h};
Point(6) = {0,   1,   0, h};

Line(1) = {1, 2};   // bottom      y = 0
Line(2) = {2, 3};   // right       x = 1,   0 <= y <= 0.5
Line(3) = {3, 4};   // re-entrant  y = 0.5, 0.5 <= x <= 1
Line(4) = {4, 5};   // re-entrant  x = 0.5, 0.5 <= y <= 1
Line(5) = {5, 6};   // top         y = 1,   0 <= x <= 0.5
Line(6) = {6, 1};   // left        x = 0

Curve Loop(1) = {1, 2, 3, 4, 5, 6};
Plane Surface(1) = {1};

Physical Curve("bottom", 1)     = {1};
Physical Curve("right", 2)      = {2};
Physical Curve("reentrant", 3)  = {3, 4};
Physical Curve("top", 4)        = {5};
Physical Curve("left", 5)       = {6};
Physical Surface("domain", 10)  = {1};
