// core: errors carry PETSc's message and the call site; options are typed and prefixed;
// registries report unknown names with the alternatives; handles own their objects.
#include <gtest/gtest.h>

#include <sstream>

#include "../test_util.hpp"
#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/options.hpp"
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
