#pragma once
// SteadyProblem: everything a steady forward model needs, built from the options database —
// the mesh, the operator chosen by name, the state space with its Dirichlet conditions, the
// parameter space, the operator's data fields and the SteadySolver.
//
// Options:
//   -operator_type <name>                       registered PdeOperator (default poisson)
//   -state_element P1|P2|Q1|Q2             state element (default P1)
//   -parameter_element P0|P1|P2            parameter element (default P1)
//   -bc_dirichlet_label <label>            default "boundary" (all boundary facets)
//   -bc_dirichlet_ids <v1,v2,...>          label values held fixed (default 1)
//   -bc_dirichlet_value <expr>             u on those facets (default 0)
//   -<operator>_<field> <expr>             the operator's data fields, e.g. -poisson_source
//   plus the mesh (-mesh_*) and solver (-state_*) options.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/forward/steady_solver.hpp"
#include "pdeinv/mesh/mesh.hpp"

namespace pdeinv {

// A steady forward model given in code (fromOptions fills the same from the options database).
struct SteadyProblemSpec {
  std::shared_ptr<PdeOperator> op;          // the operator, configured (required)
  std::string stateElement = "P1";          // as -state_element: P1, P2 (Q1, Q2 on quads)
  std::string parameterElement = "P1";      // as -parameter_element: P0, P1, P2
  std::vector<DirichletBC> dirichlet;       // u = g on labelled facets (none: all Neumann)
  std::map<std::string, std::string> data;  // the operator's data fields by name (expressions);
                                            // a field not given takes its default expression
};

class SteadyProblem {
 public:
  static std::unique_ptr<SteadyProblem> fromOptions(MPI_Comm comm);
  // From code. An unknown data field name or a bad element is an InputError naming it.
  static std::unique_ptr<SteadyProblem> create(Mesh mesh, SteadyProblemSpec spec);

  Mesh& mesh() { return *mesh_; }
  const FunctionSpace& state() const { return *state_; }
  const FunctionSpace& parameter() const { return *parameter_; }
  SteadySolver& solver() { return *solver_; }
  const PdeOperator& op() const { return *op_; }
  std::shared_ptr<const PdeOperator> operatorPtr() const { return op_; }

 private:
  SteadyProblem() = default;
  std::unique_ptr<Mesh> mesh_;
  std::shared_ptr<PdeOperator> op_;
  std::unique_ptr<FunctionSpace> state_, parameter_, dataSpace_;
  std::vector<std::unique_ptr<Expression>> dataExpressions_;
  std::vector<Owned<Vec>> data_;
  std::unique_ptr<SteadySolver> solver_;
};

}  // namespace pdeinv
