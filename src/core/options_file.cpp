#include "pdeinv/core/options_file.hpp"

#include <strings.h>
#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace pdeinv {

namespace {

// PETSc's YAML reader (PetscParseLayerYAML) recurses into mappings and merge keys ("<<") without
// a bound of its own: the walk below refuses nesting beyond this, and documents whose aliases
// expand to more than kMaxYamlNodes nodes (a cycle never ends, "billion laughs" nearly never).
constexpr int kMaxYamlLevels = 64;
// An options file is a few lines; this bound stops a read of /dev/zero.
constexpr size_t kMaxOptionsFileBytes = size_t{16} << 20;
constexpr long kMaxYamlNodes = 100000;

// "-options_file", "-options_file_yaml" or "-options_string_yaml" when PETSc takes the word for
// one of them (it compares option names without case), else nullptr.
const char* specialFlag(const std::string& word) {
  for (const char* flag : {"-options_file", "-options_file_yaml", "-options_string_yaml"}) {
    if (strcasecmp(word.c_str(), flag) == 0) return flag;
  }
  return nullptr;
}

// A line of a plain options file as PETSc splits it (PetscTokenFind): at spaces, a token that
// starts with a double quote running to the next one, which is dropped.
std::vector<std::string> petscTokens(const std::string& line) {
  std::vector<std::string> tokens;
  size_t i = line.find_first_not_of(' ');
  while (i != std::string::npos && i < line.size()) {
    const char end = line[i] == '"' ? '"' : ' ';
    if (end == '"') ++i;
    const size_t stop = std::min(line.find(end, i), line.size());
    tokens.push_back(line.substr(i, stop - i));
    i = stop == line.size() ? stop : line.find_first_not_of(' ', stop + 1);
  }
  return tokens;
}

// One check of a command line's files: the files being read (to find a file that includes
// itself, which PETSc would follow until its stack overflows) and those already passed (so that
// a file included many times is read once, not once per path to it).
// A key given twice — literally, or as the same option through nesting ("mesh_refine" and
// "mesh: {refine}") — of which PETSc would silently keep one: the problem, or "". Called after
// the walk below has bounded the aliases (no cycles, a bounded expansion).
std::string duplicateYamlKey(yaml_document_t* doc, const yaml_node_t* node,
                             const std::string& prefix, std::map<std::string, size_t>& seen,
                             const std::string& source) {
  if (!node || node->type != YAML_MAPPING_NODE) return "";
  for (yaml_node_pair_t* p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
       ++p) {
    yaml_node_t* key = yaml_document_get_node(doc, p->key);
    yaml_node_t* value = yaml_document_get_node(doc, p->value);
    if (!key || key->type != YAML_SCALAR_NODE) continue;
    const std::string name =
        prefix +
        std::string(reinterpret_cast<const char*>(key->data.scalar.value), key->data.scalar.length);
    if (name.rfind("<<", 0) == 0 || name.rfind("$$", 0) == 0) continue;  // merges, includes
    if (value && value->type == YAML_MAPPING_NODE) {
      auto inner = duplicateYamlKey(doc, value, name + "_", seen, source);
      if (!inner.empty()) return inner;
      continue;
    }
    const size_t line = key->start_mark.line + 1;
    auto [it, fresh] = seen.emplace(name, line);
    if (!fresh)
      return source + " line " + std::to_string(line) + ": option -" + name +
             " is given twice (also on line " + std::to_string(it->second) +
             "); PETSc would silently keep one";
  }
  return "";
}

class Checker {
 public:
  std::string file(const std::string& flag, const std::string& path, int depth) {
    if (path.empty()) return "option " + flag + " needs a file name";
    if (depth > 8) return "options file '" + path + "': " + flag + " nested too deeply";
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (std::filesystem::is_fifo(status) || std::filesystem::is_socket(status)) {
      // What the check read would be gone when PETSc reads the file.
      return "options file '" + path + "' (" + flag +
             ") is a pipe: pdeinv reads it to check it, and PETSc would then find it empty";
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return "cannot open options file '" + path + "' (" + flag + "): no such file or not readable";
    }
    // Read whole, but not without end (/dev/zero).
    std::string text;
    for (char chunk[1 << 16]; in && text.size() <= kMaxOptionsFileBytes;) {
      in.read(chunk, sizeof chunk);
      text.append(chunk, static_cast<size_t>(in.gcount()));
    }
    if (text.size() > kMaxOptionsFileBytes) {
      return "options file '" + path + "' (" + flag + ") is larger than " +
             std::to_string(kMaxOptionsFileBytes >> 20) + " MiB";
    }
    const std::string key = flag + " " + std::filesystem::weakly_canonical(path, ec).string();
    for (size_t k = 0; k < chain_.size(); ++k) {
      if (chain_[k].first != key) continue;
      std::string cycle;
      for (size_t j = k; j < chain_.size(); ++j) cycle += "'" + chain_[j].second + "' -> ";
      return "options files include each other: " + cycle + "'" + path + "'";
    }
    // Passed at this depth or deeper: it passes here too.
    if (const auto it = passed_.find(key); it != passed_.end() && it->second >= depth) return "";
    chain_.emplace_back(key, path);
    auto problem = flag == "-options_file_yaml"
                       ? yamlString(text, "options file '" + path + "'", depth)
                       : plain(text, path, depth);
    chain_.pop_back();
    if (problem.empty()) passed_[key] = depth;
    return problem;
  }

  // YAML given as a string (-options_string_yaml); `source` names it in messages.
  std::string yamlString(const std::string& text, const std::string& source, int depth) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
    auto problem = yaml(parser, source, depth);
    yaml_parser_delete(&parser);
    return problem;
  }

 private:
  // PETSc's plain options file: per line, '#' starts a comment; a line is "-name [value]" or
  // "alias -name -other". PETSc reports the structural errors itself (with a traceback, during
  // PetscInitialize); an unbalanced double quote it silently keeps in the value.
  std::string plain(const std::string& text, const std::string& path, int depth) {
    std::istringstream in(text);
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
      const char* flag = specialFlag(first);
      if (!flag) continue;
      // The value as PETSc takes it (a quoted one without its quotes).
      std::replace_if(
          line.begin(), line.end(), [](char c) { return c == '\t' || c == '\r'; }, ' ');
      const auto words = petscTokens(line);
      const std::string value = words.size() > 1 ? words[1] : "";
      auto nested = flag == std::string("-options_string_yaml")
                        ? yamlString(value, where + "the YAML of -options_string_yaml", depth + 1)
                        : file(flag, value, depth + 1);
      if (!nested.empty()) return nested;
    }
    return "";
  }

  // PETSc parses YAML options with libyaml; the top level of every document must be a mapping,
  // which PETSc then walks (walk below).
  std::string yaml(yaml_parser_t& parser, const std::string& source, int depth) {
    std::string problem;
    for (bool more = true; more && problem.empty();) {
      yaml_document_t doc;
      if (!yaml_parser_load(&parser, &doc)) {
        problem = "malformed YAML in " + source + " line " +
                  std::to_string(parser.problem_mark.line + 1) + ", column " +
                  std::to_string(parser.problem_mark.column + 1) + ": " +
                  (parser.problem ? parser.problem : "parse error");
        if (parser.context) problem += std::string(" ") + parser.context;
        break;
      }
      yaml_node_t* root = yaml_document_get_root_node(&doc);
      more = root != nullptr;
      if (root && root->type != YAML_MAPPING_NODE) {
        problem = source + " line " + std::to_string(root->start_mark.line + 1) +
                  ": the top level must be a mapping of option names (name: value), not a " +
                  (root->type == YAML_SEQUENCE_NODE ? "list" : "single value");
      } else if (root) {
        Walk w{doc, source, depth, {}, 0};
        problem = walk(w, root, 0);
        if (problem.empty()) {
          std::map<std::string, size_t> seen;
          problem = duplicateYamlKey(&doc, root, "", seen, source);
        }
      }
      yaml_document_delete(&doc);
    }
    return problem;
  }

  struct Walk {
    yaml_document_t& doc;
    const std::string& source;
    int depth;                          // of the file
    std::set<const yaml_node_t*> path;  // the mappings being walked
    long nodes;                         // walked so far
  };

  // PETSc's walk (PetscParseLayerYAML): into the values that are mappings (with a prefix), into
  // the mappings of a list, into the mappings a merge key "<<" names, and into the YAML files a
  // key starting with "$$" includes (value tagged !include). Aliases may make the same mapping
  // turn up again, even inside itself. What PETSc refuses with an error of its own (a key that
  // is not a scalar, ...) is left to it.
  std::string walk(Walk& w, yaml_node_t* node, int level) {
    const std::string at = w.source + " line " + std::to_string(node->start_mark.line + 1) + ": ";
    if (node->type != YAML_MAPPING_NODE) return "";
    if (++w.nodes > kMaxYamlNodes) {
      return at + "its aliases expand it to more than " + std::to_string(kMaxYamlNodes) +
             " mappings";
    }
    if (level > kMaxYamlLevels) {
      return at + "mappings nested more than " + std::to_string(kMaxYamlLevels) + " levels deep";
    }
    if (!w.path.insert(node).second) return at + "an alias makes a mapping contain itself";
    std::string problem;
    for (auto* pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top && problem.empty(); ++pair) {
      yaml_node_t* key = yaml_document_get_node(&w.doc, pair->key);
      yaml_node_t* value = yaml_document_get_node(&w.doc, pair->value);
      if (!key || !value || key->type != YAML_SCALAR_NODE) break;  // PETSc stops there too
      const char* name = reinterpret_cast<const char*>(key->data.scalar.value);
      const char* tag = reinterpret_cast<const char*>(value->tag);
      if (std::strcmp(name, "<<") == 0) {
        problem = value->type == YAML_SEQUENCE_NODE ? walkItems(w, value, level)
                                                    : walk(w, value, level + 1);
      } else if (std::strncmp(name, "$$", 2) == 0) {
        const size_t n = tag ? std::strlen(tag) : 0;
        if (n < 8 || std::strcmp(tag + n - 8, "!include") != 0) continue;
        if (value->type != YAML_SCALAR_NODE) {
          problem = at + "'" + name + "' !include needs a file name";
        } else {
          problem = file("-options_file_yaml",
                         reinterpret_cast<const char*>(value->data.scalar.value), w.depth + 1);
        }
      } else if (value->type == YAML_MAPPING_NODE) {
        problem = walk(w, value, level + 1);
      } else if (value->type == YAML_SEQUENCE_NODE) {
        problem = walkItems(w, value, level);
      }
    }
    w.path.erase(node);
    return problem;
  }
  std::string walkItems(Walk& w, yaml_node_t* list, int level) {
    for (auto* item = list->data.sequence.items.start; item < list->data.sequence.items.top;
         ++item) {
      yaml_node_t* node = yaml_document_get_node(&w.doc, *item);
      if (!node) continue;
      auto problem = walk(w, node, level + 1);
      if (!problem.empty()) return problem;
    }
    return "";
  }

  std::vector<std::pair<std::string, std::string>> chain_;  // (flag + canonical path, path)
  std::map<std::string, int> passed_;                       // the deepest level each passed at
};

}  // namespace

std::string checkOptionsFile(const std::string& flag, const std::string& path) {
  return Checker().file(flag, path, 0);
}

std::string checkOptionsFiles(int argc, char** argv) {
  Checker checker;
  for (int i = 1; i < argc; ++i) {
    const char* flag = specialFlag(argv[i]);
    if (!flag) continue;
    const std::string value = i + 1 < argc ? argv[i + 1] : "";
    auto problem = flag == std::string("-options_string_yaml")
                       ? checker.yamlString(value, "the YAML of -options_string_yaml", 0)
                       : checker.file(flag, value.rfind('-', 0) == 0 ? "" : value, 0);
    if (!problem.empty()) return problem;
    ++i;
  }
  return "";
}

}  // namespace pdeinv
