// A file the generator's tables do not know: its options belong to no group.
void readWidget() {
  const Options opts("widget_");
  opts.getInt("size", 3, "widget size");
}
