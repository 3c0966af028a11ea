#pragma once
// Expression: a field given as text in x, y, z and t, parsed by muparser, so options can say
//   -truth 'log(2+7*(sqrt((x-.5)^2+(y-.5)^2)>0.2))'
// Vector fields are comma-separated component expressions: 'x*y, -y'. log is the natural log.
#include <petscsys.h>

#include <memory>
#include <string>

namespace pdeinv {

class Expression {
 public:
  // origin names where the text came from (e.g. "-truth") for error messages. A malformed
  // expression, or one with the wrong number of components, raises InputError.
  Expression(const std::string& text, const std::string& origin, int components = 1);
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  // out[components]; x has dim entries (missing coordinates are 0).
  void evaluate(int dim, const PetscReal x[], PetscReal t, PetscScalar out[]) const;
  int components() const { return components_; }
  // The expression uses the time variable t.
  bool dependsOnTime() const { return usesTime_; }
  const std::string& text() const { return text_; }
  const std::string& origin() const { return origin_; }

  // Adapter with PETSc's PetscSimplePointFunc signature; ctx is a const Expression*.
  static PetscErrorCode pointFunction(PetscInt dim, PetscReal t, const PetscReal x[], PetscInt Nc,
                                      PetscScalar u[], void* ctx);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string text_, origin_;
  bool usesTime_ = false;
  int components_;
};

}  // namespace pdeinv
