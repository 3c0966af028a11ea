#include "pdeinv/optim/checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/keyed_vector.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {

namespace {

// A count of the record: a whole number that a PetscInt holds (the cast of a larger double is
// undefined).
bool isCount(double v) {
  return v >= 0 && v == std::floor(v) && v <= static_cast<double>(PETSC_MAX_INT);
}

}  // namespace

void writeCheckpoint(const std::string& dir, Vec x, const std::vector<std::uint64_t>& keys,
                     const Checkpoint& c, const std::string& name) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x));
  const std::string vec = dir + "/" + name + ".dat", txt = dir + "/" + name + ".txt";
  // Gather (key, value) on rank 0, sorted by key.
  const auto all = gatherKeyed(x, keys);
  std::string error;
  if (rankOf(comm) == 0) {
    std::ofstream out(vec + ".tmp", std::ios::binary);
    const std::uint64_t n = all.size();
    out.write(reinterpret_cast<const char*>(&n), sizeof n);
    out.write(reinterpret_cast<const char*>(all.data()),
              static_cast<std::streamsize>(all.size() * sizeof(all[0])));
    if (!out) error = "cannot write checkpoint '" + vec + "'";
  }
  raiseFromRoot(comm, error);
  if (rankOf(comm) == 0) {
    {
      std::ofstream out(txt + ".tmp");
      out << std::setprecision(17);
      out << "iteration " << c.iteration << "\n";
      out << "fingerprint " << c.fingerprint << "\n";
      for (const auto& [k, v] : c.state) out << "state " << k << " " << v << "\n";
      if (!out) error = "cannot write checkpoint '" + txt + "'";
    }
    // The vector first: a record never points to a missing or partial iterate.
    if (error.empty() && (std::rename((vec + ".tmp").c_str(), vec.c_str()) != 0 ||
                          std::rename((txt + ".tmp").c_str(), txt.c_str()) != 0)) {
      error = "cannot move checkpoint files into '" + dir + "'";
    }
  }
  raiseFromRoot(comm, error);
}

Checkpoint readCheckpoint(const std::string& dir, Vec x, const std::vector<std::uint64_t>& keys,
                          const std::string& fingerprint, const std::string& name,
                          const std::string& flag) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(x));
  const std::string vec = dir + "/" + name + ".dat", txt = dir + "/" + name + ".txt";
  const std::string kind = flag == "-restart" ? "restart" : "parameter";
  Checkpoint c;
  std::string error, text;
  if (rankOf(comm) == 0) {
    std::ifstream in(txt);
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
    if (!in || text.empty()) {
      error = "cannot read " + kind + " file '" + txt + "' (" + flag + "): no checkpoint in '" +
              dir + "'";
    }
  }
  raiseFromRoot(comm, error);
  int len = static_cast<int>(text.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, comm);
  text.resize(static_cast<std::size_t>(len));
  MPI_Bcast(text.data(), len, MPI_CHAR, 0, comm);
  std::istringstream in(text);
  std::string line;
  bool haveIteration = false, haveFingerprint = false;
  const std::string where = kind + " file '" + txt + "' (" + flag + ")";
  // A number of the record: all of the token, finite (a corrupt file must not resume from NaN).
  auto number = [&](const std::string& token, const std::string& field) {
    char* end = nullptr;
    const double v = std::strtod(token.c_str(), &end);
    require(!token.empty() && end && *end == '\0' && std::isfinite(v),
            where + " is corrupt: " + field + " is '" + token + "', not a finite number");
    return v;
  };
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, token;
    ls >> key;
    if (key == "iteration") {
      ls >> token;
      const double v = number(token, "the iteration");
      require(isCount(v), where + " is corrupt: the iteration is " + token + ", not a count");
      c.iteration = static_cast<PetscInt>(v);
      haveIteration = true;
    } else if (key == "fingerprint") {
      std::getline(ls >> std::ws, c.fingerprint);
      haveFingerprint = true;
    } else if (key == "state") {
      std::string name;
      ls >> name >> token;
      const double v = number(token, "state '" + name + "'");
      // Counters of the optimizer's state are counts (the optimizer takes them as PetscInt).
      if (name == "iteration" || name == "cg_total")
        require(isCount(v),
                where + " is corrupt: state '" + name + "' is " + token + ", not a count");
      c.state[name] = v;
    }
  }
  require(haveIteration && haveFingerprint, where + " is not a pdeinv checkpoint");
  // The iterate: rank 0 reads the pairs, every rank takes its own by key.
  std::vector<std::pair<std::uint64_t, double>> all;
  if (rankOf(comm) == 0) {
    std::ifstream in(vec, std::ios::binary | std::ios::ate);
    // The file's size bounds the count before anything is allocated for it: a corrupt count
    // must not ask for gigabytes.
    const std::streamoff bytes = in ? static_cast<std::streamoff>(in.tellg()) : -1;
    in.seekg(0);
    std::uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), sizeof n);
    const std::uint64_t room =
        bytes >= static_cast<std::streamoff>(sizeof n)
            ? static_cast<std::uint64_t>(bytes - static_cast<std::streamoff>(sizeof n)) /
                  sizeof(all[0])
            : 0;
    // At most 2^27 pairs: the broadcast below counts bytes in an int.
    if (in && n <= room && n < (std::uint64_t{1} << 27)) {
      all.resize(static_cast<std::size_t>(n));
      in.read(reinterpret_cast<char*>(all.data()),
              static_cast<std::streamsize>(all.size() * sizeof(all[0])));
    } else {
      in.setstate(std::ios::failbit);
    }
    if (!in) {
      error = "cannot read " + kind + " iterate '" + vec + "' (" + flag + "): missing or truncated";
    } else if (in.peek() != std::char_traits<char>::eof()) {
      error = kind + " iterate '" + vec + "' (" + flag + ") is corrupt: bytes after its " +
              std::to_string(n) + " entries";
    }
    for (std::size_t i = 0; error.empty() && i < all.size(); ++i) {
      if (!std::isfinite(all[i].second)) {
        std::ostringstream v;
        v << all[i].second;
        error = kind + " iterate '" + vec + "' (" + flag + ") is corrupt: entry " +
                std::to_string(i) + " is " + v.str();
      } else if (i > 0 && all[i].first <= all[i - 1].first) {
        error = kind + " iterate '" + vec + "' (" + flag + ") is corrupt: its keys are not sorted";
      }
    }
  }
  raiseFromRoot(comm, error);
  unsigned long long n = all.size();
  MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
  all.resize(static_cast<std::size_t>(n));
  MPI_Bcast(all.data(), static_cast<int>(n * sizeof(all[0])), MPI_BYTE, 0, comm);
  // (Both files are checked first: a corrupt one is named as such, not as another problem's.)
  require(c.fingerprint == fingerprint, kind + " file '" + txt + "' (" + flag +
                                            ") is from a different problem: it was written for [" +
                                            c.fingerprint + "], this run is [" + fingerprint + "]");
  require(takeKeyed(x, keys, all), kind + " iterate '" + vec + "' (" + flag +
                                       ") does not match this problem's parameter unknowns");
  return c;
}

}  // namespace pdeinv
