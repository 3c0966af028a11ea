#include "pdeinv/fem/expression.hpp"

#include <muParser.h>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

struct Expression::Impl {
  mu::Parser parser;
  double x = 0, y = 0, z = 0, t = 0;  // muparser binds variables by address
};

Expression::Expression(const std::string& text, const std::string& origin, int components)
    : impl_(std::make_unique<Impl>()), text_(text), origin_(origin), components_(components) {
  auto& p = impl_->parser;
  int found = 0;
  try {
    p.DefineVar("x", &impl_->x);
    p.DefineVar("y", &impl_->y);
    p.DefineVar("z", &impl_->z);
    p.DefineVar("t", &impl_->t);
    p.DefineConst("pi", M_PI);
    p.SetExpr(text);
    p.Eval(found);  // parses now, so a malformed expression fails here, not mid-assembly
    usesTime_ = p.GetUsedVar().count("t") > 0;
  } catch (const mu::Parser::exception_type& e) {
    throw InputError("malformed expression for " + origin + ": '" + text + "': " + e.GetMsg());
  }
  if (found != components) {
    throw InputError("expression for " + origin + ": '" + text + "' has " + std::to_string(found) +
                     " component(s), expected " + std::to_string(components));
  }
}

Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

void Expression::evaluate(int dim, const PetscReal x[], PetscReal t, PetscScalar out[]) const {
  impl_->x = dim > 0 ? x[0] : 0.0;
  impl_->y = dim > 1 ? x[1] : 0.0;
  impl_->z = dim > 2 ? x[2] : 0.0;
  impl_->t = t;
  int n = 0;
  const double* v = impl_->parser.Eval(n);
  for (int i = 0; i < components_; ++i) out[i] = v[i];
}

PetscErrorCode Expression::pointFunction(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt,
                                         PetscScalar u[], void* ctx) {
  static_cast<const Expression*>(ctx)->evaluate(static_cast<int>(dim), x, t, u);
  return 0;
}

}  // namespace pdeinv
