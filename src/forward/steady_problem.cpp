#include "pdeinv/forward/steady_problem.hpp"

namespace pdeinv {
namespace {
// "0", "0,0", "0,0,0": a zero expression with one entry per component.
std::string zeros(int components) {
  std::string s = "0";
  for (int c = 1; c < components; ++c) s += ",0";
  return s;
}
}  // namespace

std::unique_ptr<SteadyProblem> SteadyProblem::fromOptions(MPI_Comm comm) {
  std::unique_ptr<SteadyProblem> p(new SteadyProblem);
  const Options opts;
  std::string available;
  for (const auto& n : operatorRegistry().names()) available += (available.empty() ? "" : ", ") + n;
  const auto name = opts.getType("operator", "poisson", "PDE operator: " + available);
  p->op_ = operatorRegistry().create(name);
  p->op_->setFromOptions(Options(name + "_"));
  p->mesh_ = std::make_unique<Mesh>(Mesh::fromOptions(comm));
  const int dim = p->mesh_->dim();

  auto stateElement = ElementSpec::parse(
      opts.getString("state_element", "P1", "state element: P1, P2 (Q1, Q2 on quads)"),
      "-state_element", dim, p->mesh_->simplex());
  stateElement.components = p->op_->stateComponents(dim);
  require(stateElement.degree >= 1, "-state_element must be continuous (degree 1 or 2)");
  auto paramElement =
      ElementSpec::parse(opts.getString("parameter_element", "P1", "parameter element: P0, P1, P2"),
                         "-parameter_element", dim, p->mesh_->simplex());
  paramElement.components = p->op_->parameterComponents(dim);

  DirichletBC bc;
  bc.label = opts.getString("bc_dirichlet_label", "boundary", "mesh label of Dirichlet facets");
  bc.values = opts.getIntArray("bc_dirichlet_ids", {1}, "label values of Dirichlet facets");
  bc.value = std::make_shared<Expression>(
      opts.getString("bc_dirichlet_value", zeros(stateElement.components),
                     "Dirichlet value expression (one per state component)"),
      "-bc_dirichlet_value", stateElement.components);
  std::vector<DirichletBC> bcs;
  if (!bc.values.empty()) bcs.push_back(bc);

  p->state_ = std::make_unique<FunctionSpace>(*p->mesh_, stateElement, "state", bcs);
  p->parameter_ = std::make_unique<FunctionSpace>(*p->mesh_, paramElement, "parameter");
  p->dataSpace_ =
      std::make_unique<FunctionSpace>(*p->mesh_, ElementSpec{stateElement.degree, 1}, "data");

  std::vector<const FunctionSpace*> dataSpaces;
  std::vector<Vec> dataValues;
  const Options opOpts(name + "_");
  for (const auto& field : p->op_->dataFields()) {
    const auto text = opOpts.getString(field.name, field.defaultExpression, field.help);
    p->dataExpressions_.push_back(std::make_unique<Expression>(text, opOpts.flag(field.name)));
    p->data_.push_back(p->dataSpace_->createVector());
    p->dataSpace_->interpolate(*p->dataExpressions_.back(), p->data_.back());
    dataSpaces.push_back(p->dataSpace_.get());
    dataValues.push_back(p->data_.back());
  }
  p->solver_ =
      std::make_unique<SteadySolver>(p->op_, *p->state_, *p->parameter_, dataSpaces, dataValues);
  return p;
}

}  // namespace pdeinv
