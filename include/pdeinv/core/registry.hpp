#pragma once
// Registry: name → factory, as PETSc's XXXRegister. Every "select X by name" option
// (-operator_type poisson, later -likelihood, -regularization, ...) goes through one of these, so
// an unknown name is one clear error that lists what is available.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"

namespace pdeinv {

template <class Product, class... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Product>(Args...)>;

  // kind names the registry in messages ("operator"); option is the flag that selects from it.
  Registry(std::string kind, std::string option)
      : kind_(std::move(kind)), option_(std::move(option)) {}

  void add(const std::string& name, Factory factory, std::string help) {
    entries_[name] = Entry{std::move(factory), std::move(help)};
  }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, e] : entries_) out.push_back(name);
    return out;
  }
  const std::string& help(const std::string& name) const { return entries_.at(name).help; }
  // What the registry holds ("operator") and the option that selects from it ("-operator_type").
  const std::string& kind() const { return kind_; }
  const std::string& option() const { return option_; }

  std::unique_ptr<Product> create(const std::string& name, Args... args) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      std::string list;
      for (const auto& n : names()) list += (list.empty() ? "" : ", ") + n;
      throw InputError("unknown " + kind_ + " '" + name + "' (" + option_ +
                       "); available: " + list);
    }
    return it->second.factory(std::forward<Args>(args)...);
  }

 private:
  struct Entry {
    Factory factory;
    std::string help;
  };
  std::string kind_, option_;
  std::map<std::string, Entry> entries_;
};

}  // namespace pdeinv
