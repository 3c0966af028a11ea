// Options given as a parameter: the prefix is the caller's, which the tables do not know.
void readWidget(const Options& opts) {
  opts.getInt("size", 3, "widget size");
}
