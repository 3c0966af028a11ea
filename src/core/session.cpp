#include "pdeinv/core/session.hpp"

#include "pdeinv/core/plugin.hpp"

#include <unistd.h>
#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/log_events.hpp"
#include "pdeinv/core/options.hpp"

namespace pdeinv {

int rankOf(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
int sizeOf(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

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

// Checks every -options_file / -options_file_yaml of the command line (and the files they
// include) before PETSc reads them, so that a bad file is one clear message instead of a
// PETSc traceback. Returns the problem, or "".
std::string checkOptionFiles(int argc, char** argv) {
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

// Whether every rank of comm raised an error (all call this from their error handler): a
// non-blocking barrier on a communicator of its own (so it cannot match another collective),
// waited for up to `seconds`. A rank whose error is its own waits in vain while the others are
// blocked elsewhere; it then reports the error itself instead of leaving the run hung.
bool allRanksFailed(MPI_Comm errors, double seconds) {
  MPI_Request request;
  MPI_Ibarrier(errors, &request);
  const double start = MPI_Wtime();
  int done = 0;
  while (!done) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (!done && MPI_Wtime() - start > seconds) return false;  // the request is abandoned
    if (!done) usleep(1000);
  }
  return true;
}

}  // namespace

namespace {
double& startTime() {
  static double t = MPI_Wtime();
  return t;
}
}  // namespace

double secondsSinceStart() {
  return MPI_Wtime() - startTime();
}

int runMain(int argc, char** argv, const char* help, const std::function<int(MPI_Comm)>& body) {
  // MPI first, so that a bad options file is reported once (by rank 0) before PETSc reads it.
  int mpiReady = 0;
  MPI_Initialized(&mpiReady);
  const bool ownMpi = !mpiReady;
  if (ownMpi) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  startTime() = MPI_Wtime();
  {
    std::string problem = rankOf(MPI_COMM_WORLD) == 0 ? checkOptionFiles(argc, argv) : "";
    int len = static_cast<int>(problem.size());
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (len > 0) {
      if (rankOf(MPI_COMM_WORLD) == 0) std::cerr << "pdeinv: error: " << problem << std::endl;
      if (ownMpi) MPI_Finalize();
      return ExitError;
    }
  }
  if (PetscInitialize(&argc, &argv, nullptr, help)) {
    std::fprintf(stderr, "pdeinv: error: PETSc failed to initialize (check -options_file)\n");
    return ExitError;
  }
  installPetscErrorHandler();
  startEventLogging();
  MPI_Comm comm = PETSC_COMM_WORLD;
  MPI_Comm errors = MPI_COMM_NULL;  // for the error agreement only
  MPI_Comm_dup(comm, &errors);
  int status = 0;
  double agreement = 20;  // seconds a rank waits for the others to report the same error
  try {
    agreement = Options().getReal(
        "error_agreement_timeout", 20,
        "seconds a rank with an error waits for the others before reporting it alone");
    // Fault injection, to test this policy: a collective-looking error on one rank only.
    const PetscInt faultRank =
        Options().getInt("fault_rank", -1, "testing: raise an error on this rank only");
    if (faultRank == rankOf(comm)) {
      throw InputError("fault injected on rank " + std::to_string(faultRank) + " (-fault_rank)");
    }
    loadPlugins(comm);  // before the body reads any option that names a component
    status = body(comm);
    if (status == 0) checkAllOptionsUsed(true);
  } catch (const CollectiveError& e) {
    // Raised alike on every rank by design; checked, because a rank-local one would otherwise
    // leave the other ranks waiting in their next collective for ever.
    if (sizeOf(comm) == 1 || allRanksFailed(errors, agreement)) {
      if (rankOf(comm) == 0) std::cerr << "pdeinv: error: " << e.what() << std::endl;
      status = ExitError;
    } else {
      std::cerr << "pdeinv: error: on rank " << rankOf(comm) << " alone: " << e.what() << std::endl;
      MPI_Abort(MPI_COMM_WORLD, ExitRankError);
      status = ExitRankError;
    }
  } catch (const std::exception& e) {
    std::cerr << "pdeinv: fatal error on rank " << rankOf(comm) << ": " << e.what() << std::endl;
    if (sizeOf(comm) > 1) MPI_Abort(MPI_COMM_WORLD, ExitRankError);
    status = ExitRankError;
  }
  // Options may have been left unread because the run stopped early; that is not the error.
  PetscOptionsSetValue(nullptr, "-options_left", "0");
  if (errors != MPI_COMM_NULL) MPI_Comm_free(&errors);
  PetscFinalize();
  if (ownMpi) MPI_Finalize();
  return status;
}

}  // namespace pdeinv
