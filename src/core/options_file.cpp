#include "pdeinv/core/options_file.hpp"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace pdeinv {

namespace {

std::string checkOptionFile(const std::string& flag, const std::string& path, int depth);

// PETSc's plain options file: per line, '#' starts a comment; a line is "-name [value]" or
// "alias -name -other". PETSc reports the structural errors itself (with a traceback, during
// PetscInitialize); an unbalanced double quote it silently keeps in the value.
std::string checkPlainFile(const std::string& path, int depth) {
  std::ifstream in(path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream tokens(line);
    std::string first, second, third;
    if (!(tokens >> first)) continue;
    tokens >> second >> third;
    const std::string where = "options file '" + path + "' line " + std::to_string(number) + ": ";
    if (std::count(line.begin(), line.end(), '"') % 2 != 0) {
      return where + "unbalanced double quote in '" + line + "'";
    }
    if (first == "alias") {
      if (second.empty() || third.empty()) return where + "'alias' needs two option names";
      continue;
    }
    // PETSc's rule for an option name: -x... or --x... with x a letter.
    const size_t letter = first.rfind("--", 0) == 0 ? 2 : 1;
    if (first[0] != '-' || first.size() <= letter ||
        !std::isalpha(static_cast<unsigned char>(first[letter]))) {
      return where + "expected an option (-name [value]), got '" + first + "'";
    }
    if (first == "-options_file" || first == "-options_file_yaml") {
      auto nested = checkOptionFile(first, second, depth + 1);
      if (!nested.empty()) return nested;
    }
  }
  return "";
}

// PETSc parses YAML options files with libyaml; the top level must be a mapping.
std::string checkYamlFile(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return "cannot open options file '" + path + "' (-options_file_yaml)";
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, file);
  std::string problem;
  for (bool more = true; more && problem.empty();) {
    yaml_document_t doc;
    if (!yaml_parser_load(&parser, &doc)) {
      problem = "malformed YAML in options file '" + path + "' line " +
                std::to_string(parser.problem_mark.line + 1) + ", column " +
                std::to_string(parser.problem_mark.column + 1) + ": " +
                (parser.problem ? parser.problem : "parse error");
      if (parser.context) problem += std::string(" ") + parser.context;
      break;
    }
    const yaml_node_t* root = yaml_document_get_root_node(&doc);
    more = root != nullptr;
    if (root && root->type != YAML_MAPPING_NODE) {
      problem = "options file '" + path + "' line " + std::to_string(root->start_mark.line + 1) +
                ": the top level must be a mapping of option names (name: value), not a " +
                (root->type == YAML_SEQUENCE_NODE ? "list" : "single value");
    }
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  std::fclose(file);
  return problem;
}

std::string checkOptionFile(const std::string& flag, const std::string& path, int depth) {
  if (path.empty()) return "option " + flag + " needs a file name";
  if (depth > 8) return "options file '" + path + "': " + flag + " nested too deeply";
  if (!std::ifstream(path)) {
    return "cannot open options file '" + path + "' (" + flag + "): no such file or not readable";
  }
  return flag == "-options_file_yaml" ? checkYamlFile(path) : checkPlainFile(path, depth);
}

}  // namespace

std::string checkOptionsFile(const std::string& flag, const std::string& path) {
  return checkOptionFile(flag, path, 0);
}

std::string checkOptionsFiles(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg != "-options_file" && arg != "-options_file_yaml") continue;
    const std::string path = i + 1 < argc ? argv[i + 1] : "";
    auto problem = checkOptionFile(arg, path.rfind('-', 0) == 0 ? "" : path, 0);
    if (!problem.empty()) return problem;
    ++i;
  }
  return "";
}

}  // namespace pdeinv
