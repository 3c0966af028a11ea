// core: errors carry PETSc's message and the call site; options are typed and prefixed;
// registries report unknown names with the alternatives; handles own their objects; options files
// are checked as far as PETSc would follow them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
#include "pdeinv/core/options_file.hpp"
#include "pdeinv/core/registry.hpp"
#include "pdeinv/fem/expression.hpp"

using namespace pdeinv;
using pdeinv::test::ScopedOptions;

TEST(Error, petsc_error_becomes_exception_with_petsc_message_and_call_site) {
  Owned<Vec> v;
  PDEINV_CALL(VecCreate(PETSC_COMM_SELF, v.out()));
  try {
    PDEINV_CALL(VecSetType(v, "no_such_type"));
    FAIL() << "no exception";
  } catch (const PetscFailure& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("VecSetType(v, \"no_such_type\")"), std::string::npos) << what;
    EXPECT_NE(what.find("test_core.cpp"), std::string::npos) << what;
    EXPECT_NE(what.find("no_such_type"), std::string::npos) << what;  // PETSc's own text
    EXPECT_NE(e.code(), 0);
  }
}

TEST(Error, petsc_error_handling_options_leave_petsc_in_charge) {
  EXPECT_FALSE(petscErrorHandlingAsked());
  {
    ScopedOptions o("-on_error_abort 0");  // read as PETSc reads it: a bool
    EXPECT_FALSE(petscErrorHandlingAsked());
  }
  for (const char* option : {"-on_error_abort", "-on_error_mpiabort", "-on_error_attach_debugger",
                             "-start_in_debugger", "-stop_for_debugger"}) {
    ScopedOptions o(option);
    EXPECT_TRUE(petscErrorHandlingAsked()) << option;
  }
}

TEST(Options, typed_reads_under_a_prefix_with_defaults) {
  ScopedOptions o("-tst_n 7 -tst_x 2.5 -tst_flag -tst_name abc -tst_list 1,2,3 -tst_reals 0.5,1.5");
  Options opts("tst_");
  EXPECT_EQ(opts.getInt("n", 1, "n"), 7);
  EXPECT_EQ(opts.getInt("missing", 11, "default"), 11);
  EXPECT_DOUBLE_EQ(opts.getReal("x", 0, "x"), 2.5);
  EXPECT_TRUE(opts.getBool("flag", false, "flag"));
  EXPECT_EQ(opts.getString("name", "", "name"), "abc");
  EXPECT_EQ(opts.getIntArray("list", {}, "list"), (std::vector<PetscInt>{1, 2, 3}));
  EXPECT_EQ(opts.getRealArray("reals", {}, "reals"), (std::vector<PetscReal>{0.5, 1.5}));
  EXPECT_FALSE(opts.findString("absent", "absent").has_value());
  EXPECT_EQ(opts.flag("n"), "-tst_n");
}

TEST(Options, malformed_value_is_an_input_error_naming_the_option) {
  ScopedOptions o("-tst_bad abc");
  try {
    Options("tst_").getInt("bad", 0, "bad");
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "option -tst_bad expects an integer, got 'abc'");
  }
}

TEST(Options, an_option_set_but_never_read_is_an_error) {
  ScopedOptions o("-tst_never_read 3");
  try {
    checkAllOptionsUsed(true);
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("-tst_never_read 3"), std::string::npos) << e.what();
  }
  Options("tst_").getInt("never_read", 0, "now read");
  EXPECT_NO_THROW(checkAllOptionsUsed(true));
}

TEST(Options, the_catalogue_lists_options_under_their_prefixes_and_finds_the_missing_ones) {
  const CatalogOption catalog[] = {
      {"widgets", "cat_a_,cat_b_", "n", "int", "3", "widget count"},
      {"widgets", "", "cat_list", "real list", "", "widget sizes"},
      {"gadgets", "cat_g_", "name", "string", "", "gadget name"},
  };
  std::ostringstream os;
  printOptionCatalog(os, catalog);
  EXPECT_NE(os.str().find("\nwidgets:\n  -{cat_a_,cat_b_}n"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("<int> (default 3)  widget count\n"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("  -cat_list "), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("\ngadgets:\n  -cat_g_name "), std::string::npos) << os.str();
  EXPECT_EQ(os.str().find("(default )"), std::string::npos) << os.str();  // no empty default

  Options("cat_b_").getInt("n", 3, "listed under its second prefix");
  Options().getRealArray("cat_list", {}, "listed without a prefix");
  Options("cat_c_").getInt("n", 3, "not listed: cat_c_ is not among the prefixes");
  Options("cat_g_").getBool("flag", false, "not listed: no such name");
  std::vector<std::string> missing;  // this test's options only (others recorded theirs too)
  for (const auto& flag : optionsMissingFromCatalog(catalog))
    if (flag.rfind("-cat_", 0) == 0) missing.push_back(flag);
  EXPECT_EQ(missing, (std::vector<std::string>{"-cat_c_n", "-cat_g_flag"}));
}

struct Shape {
  virtual ~Shape() = default;
  virtual int sides() const = 0;
};
struct Triangle : Shape {
  int sides() const override { return 3; }
};

TEST(Registry, creates_by_name_and_lists_alternatives_for_unknown_names) {
  Registry<Shape> reg("shape", "-shape");
  reg.add(
      "triangle", [] { return std::make_unique<Triangle>(); }, "three sides");
  EXPECT_EQ(reg.create("triangle")->sides(), 3);
  try {
    reg.create("square");
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "unknown shape 'square' (-shape); available: triangle");
  }
}

TEST(Owned, destroys_and_moves_and_borrows_with_reference_counts) {
  Owned<Vec> a;
  PDEINV_CALL(VecCreateSeq(PETSC_COMM_SELF, 3, a.out()));
  Vec raw = a;
  Owned<Vec> b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_EQ(b.get(), raw);
  {
    auto c = Owned<Vec>::borrow(raw);
    PetscInt refs = 0;
    PetscObjectGetReference(reinterpret_cast<PetscObject>(raw), &refs);
    EXPECT_EQ(refs, 2);
  }
  PetscInt refs = 0;
  PetscObjectGetReference(reinterpret_cast<PetscObject>(raw), &refs);
  EXPECT_EQ(refs, 1);
}

TEST(Expression, evaluates_scalar_and_vector_expressions_with_natural_log) {
  Expression e("log(2+7*(sqrt((x-.5)^2+(y-.5)^2)>0.2))", "-truth");
  PetscReal x[2] = {0.5, 0.5}, y[2] = {0.0, 0.0};
  PetscScalar v = 0;
  e.evaluate(2, x, 0, &v);
  EXPECT_NEAR(v, std::log(2.0), 1e-15);
  e.evaluate(2, y, 0, &v);
  EXPECT_NEAR(v, std::log(9.0), 1e-15);
  Expression w("x*y, -y + t + pi", "-w", 2);
  PetscReal p[3] = {2, 3, 0};
  PetscScalar out[2];
  w.evaluate(3, p, 1.0, out);
  EXPECT_DOUBLE_EQ(out[0], 6.0);
  EXPECT_NEAR(out[1], -2.0 + M_PI, 1e-15);
}

TEST(Expression, malformed_or_wrong_size_expressions_are_input_errors) {
  try {
    Expression("sin(x", "-truth");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed expression for -truth: 'sin(x'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Expression("foo(x)", "-truth"), InputError);
  EXPECT_THROW(Expression("x, y", "-truth", 1), InputError);
}

// ---- options files (core/options_file.hpp): what PETSc would follow is checked first ----

namespace {
// A fresh directory of this process and rank, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    int rank = 0;
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    dir_ = std::filesystem::temp_directory_path() /
           ("pdeinv_test_options_" + std::to_string(getpid()) + "_" + std::to_string(rank));
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

 private:
  std::filesystem::path dir_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST(OptionsFile, includes_are_followed_in_any_case_and_cycles_are_refused) {
  ScratchDir d;
  const auto bad = d.write("bad.opts", "-mesh_faces 4,4\nmesh_refine 1\n");
  // PETSc compares option names without case: -OPTIONS_FILE includes a file as -options_file.
  const auto upper = d.write("upper.opts", "-OPTIONS_FILE " + bad + "\n");
  EXPECT_EQ(
      checkOptionsFile("-options_file", upper),
      "options file '" + bad + "' line 2: expected an option (-name [value]), got 'mesh_refine'");
  // A file that includes itself (PETSc would recurse until its stack overflows), directly or
  // through another.
  const auto self = d.path("self.opts");
  d.write("self.opts", "-Options_File " + self + "\n");
  EXPECT_EQ(checkOptionsFile("-options_file", self),
            "options files include each other: '" + self + "' -> '" + self + "'");
  const auto a = d.path("a.opts"), b = d.path("b.opts");
  d.write("a.opts", "-options_file " + b + "\n");
  d.write("b.opts", "-options_file " + a + "\n");
  EXPECT_EQ(checkOptionsFile("-options_file", a),
            "options files include each other: '" + a + "' -> '" + b + "' -> '" + a + "'");
  // A file included twice is no cycle; a quoted file name is PETSc's name without the quotes.
  const auto leaf = d.write("leaf.opts", "-mesh_refine 1\n");
  const auto twice =
      d.write("twice.opts", "-options_file " + leaf + "\n-options_file \"" + leaf + "\"\n");
  EXPECT_EQ(checkOptionsFile("-options_file", twice), "");
  // The command line's own files are found in any case too.
  std::string program = "pdeinv", flag = "-OPTIONS_FILE", file = self;
  char* argv[] = {program.data(), flag.data(), file.data(), nullptr};
  EXPECT_TRUE(contains(checkOptionsFiles(3, argv), "options files include each other"));
}

TEST(OptionsFile, yaml_is_walked_as_petsc_walks_it) {
  ScratchDir d;
  const auto good = pdeinv::test::sourceDir() + "/tests/data/good.yaml";
  EXPECT_EQ(checkOptionsFile("-options_file_yaml", good), "");
  // A merge key whose alias names the mapping it is in: PETSc would merge it into itself for
  // ever.
  const auto cycle = d.write("cycle.yaml", "mesh: &m\n  faces: 4,4\n  <<: *m\n");
  EXPECT_EQ(checkOptionsFile("-options_file_yaml", cycle),
            "options file '" + cycle + "' line 1: an alias makes a mapping contain itself");
  // Merges of merges that double at each level ("billion laughs").
  // (An ostringstream: GCC 12 warns falsely on "l" + std::to_string(k) chains.)
  std::ostringstream laughs;
  laughs << "l0: &l0 {x: 1}\n";
  for (int k = 1; k <= 20; ++k)
    laughs << 'l' << k << ": &l" << k << " {<<: [*l" << k - 1 << ", *l" << k - 1 << "]}\n";
  EXPECT_TRUE(contains(checkOptionsFile("-options_file_yaml", d.write("laughs.yaml", laughs.str())),
                       "its aliases expand it to more than 100000 mappings"));
  std::string nested = "a: ";
  for (int k = 0; k < 70; ++k) nested += "{b: ";
  const auto deep = d.write("deep.yaml", nested + "1" + std::string(70, '}') + "\n");
  EXPECT_TRUE(contains(checkOptionsFile("-options_file_yaml", deep),
                       "mappings nested more than 64 levels deep"));
  // "$$name: !include file" includes a YAML file, which is checked in turn.
  const auto top = pdeinv::test::sourceDir() + "/tests/data/bad_top.yaml";
  const auto include = d.write("include.yaml", "$$other: !include " + top + "\nmesh_faces: 4,4\n");
  EXPECT_EQ(checkOptionsFile("-options_file_yaml", include),
            "options file '" + top +
                "' line 1: the top level must be a mapping of option names "
                "(name: value), not a list");
  const auto self = d.path("self.yaml");
  d.write("self.yaml", "$$me: !include " + self + "\n");
  EXPECT_EQ(checkOptionsFile("-options_file_yaml", self),
            "options files include each other: '" + self + "' -> '" + self + "'");
  // -options_string_yaml: the string is YAML, checked alike, in a plain file and on the command
  // line.
  const auto plain = d.write("string.opts", "-options_string_yaml \"{a: &x {<<: *x}}\"\n");
  EXPECT_TRUE(contains(checkOptionsFile("-options_file", plain),
                       "line 1: the YAML of -options_string_yaml line 1: an alias makes a "
                       "mapping contain itself"));
  std::string program = "pdeinv", flag = "-options_string_yaml", yaml = "{a: &x {<<: *x}}";
  char* argv[] = {program.data(), flag.data(), yaml.data(), nullptr};
  EXPECT_TRUE(contains(checkOptionsFiles(3, argv), "an alias makes a mapping contain itself"));
}

TEST(OptionsFile, pipes_and_endless_files_are_refused) {
  ScratchDir d;
  const auto fifo = d.path("fifo.opts");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(checkOptionsFile("-options_file", fifo),
            "options file '" + fifo +
                "' (-options_file) is a pipe: pdeinv reads it to check it, and PETSc would then "
                "find it empty");
  EXPECT_EQ(checkOptionsFile("-options_file_yaml", "/dev/zero"),
            "options file '/dev/zero' (-options_file_yaml) is larger than 16 MiB");
  EXPECT_EQ(checkOptionsFile("-options_file", "/dev/null"), "");
}
