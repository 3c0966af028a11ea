// A getter call without its help text, over several lines as clang-format breaks a long one.
Mesh Mesh::fromOptions(MPI_Comm comm, const Options& opts) {
  const int refine = static_cast<int>(opts.getInt(
      "refine", std::max<PetscInt>(0, static_cast<PetscInt>(std::log2(numberOfRanks(comm))))));
}
