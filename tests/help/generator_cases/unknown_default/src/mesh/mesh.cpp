// A default computed by a function: the generator cannot show it.
Mesh Mesh::fromOptions(MPI_Comm comm, const Options& opts) {
  const int refine = opts.getInt("refine", defaultRefinement(comm), "uniform refinements");
}
