// The option name is computed: the generator cannot list it.
Mesh Mesh::fromOptions(MPI_Comm comm, const Options& opts) {
  const std::string name = "file";
  const auto path = opts.findString(name, "gmsh mesh file");
}
