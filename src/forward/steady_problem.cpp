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
  const Options opts;
  std::string available;
  for (const auto& n : operatorRegistry().names()) available += (available.empty() ? "" : ", ") + n;
  const auto name = opts.getType("operator", "poisson", "PDE operator: " + available);
  SteadyProblemSpec spec;
  spec.op = operatorRegistry().create(name);
  spec.op->setFromOptions(Options(name + "_"));
  Mesh mesh = Mesh::fromOptions(comm);
  const int dim = mesh.dim();
  spec.stateElement =
      opts.getString("state_element", "P1", "state element: P1, P2 (Q1, Q2 on quads)");
  spec.parameterElement =
      opts.getString("parameter_element", "P1", "parameter element: P0, P1, P2");
  DirichletBC bc;
  bc.label = opts.getString("bc_dirichlet_label", "boundary", "mesh label of Dirichlet facets");
  // Operators without boundary conditions (identity) have none unless asked for.
  bc.values = opts.getIntArray(
      "bc_dirichlet_ids",
      spec.op->boundaryValueProblem() ? std::vector<PetscInt>{1} : std::vector<PetscInt>{},
      "label values of Dirichlet facets (default 1; none for operators without boundary "
      "conditions)");
  const int components = spec.op->stateComponents(dim);
  bc.value = std::make_shared<Expression>(
      opts.getString("bc_dirichlet_value", zeros(components),
                     "Dirichlet value expression (one per state component)"),
      "-bc_dirichlet_value", components);
  if (!bc.values.empty()) spec.dirichlet.push_back(bc);
  const Options opOpts(name + "_");
  for (const auto& field : spec.op->dataFields())
    spec.data[field.name] = opOpts.getString(field.name, field.defaultExpression, field.help);
  return create(std::move(mesh), std::move(spec));
}

std::unique_ptr<SteadyProblem> SteadyProblem::create(Mesh mesh, SteadyProblemSpec spec) {
  require(spec.op != nullptr, "SteadyProblem::create: no operator given (SteadyProblemSpec::op)");
  std::unique_ptr<SteadyProblem> p(new SteadyProblem);
  p->op_ = std::move(spec.op);
  p->mesh_ = std::make_unique<Mesh>(std::move(mesh));
  const int dim = p->mesh_->dim();
  auto stateElement =
      ElementSpec::parse(spec.stateElement, "-state_element", dim, p->mesh_->simplex());
  stateElement.components = p->op_->stateComponents(dim);
  require(stateElement.degree >= 1, "-state_element must be continuous (degree 1 or 2)");
  auto paramElement =
      ElementSpec::parse(spec.parameterElement, "-parameter_element", dim, p->mesh_->simplex());
  paramElement.components = p->op_->parameterComponents(dim);

  p->state_ = std::make_unique<FunctionSpace>(*p->mesh_, stateElement, "state", spec.dirichlet);
  p->parameter_ = std::make_unique<FunctionSpace>(*p->mesh_, paramElement, "parameter");
  p->dataSpace_ =
      std::make_unique<FunctionSpace>(*p->mesh_, ElementSpec{stateElement.degree, 1}, "data");

  const auto fields = p->op_->dataFields();
  for (const auto& [fieldName, text] : spec.data) {
    bool known = false;
    for (const auto& f : fields) known = known || f.name == fieldName;
    require(known, "operator '" + p->op_->name() + "' has no data field '" + fieldName + "'");
  }
  std::vector<const FunctionSpace*> dataSpaces;
  std::vector<Vec> dataValues;
  for (const auto& field : fields) {
    auto it = spec.data.find(field.name);
    const std::string text = it != spec.data.end() ? it->second : field.defaultExpression;
    // (The origin built with append: GCC 12 warns falsely (-Wrestrict) on "-" + name + ...)
    std::string origin = "-";
    origin.append(p->op_->name()).append("_").append(field.name);
    p->dataExpressions_.push_back(std::make_unique<Expression>(text, origin));
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
