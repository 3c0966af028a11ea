#include "pdeinv/mesh/validate.hpp"

#include <petscdmplex.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "pdeinv/core/error.hpp"
#include "pdeinv/core/handle.hpp"
#include "pdeinv/core/session.hpp"

namespace pdeinv {

namespace {

// ---- the gmsh file, read by ourselves as PETSc 3.18 reads it ----
//
// PETSc's reader (DMPlexCreateGmsh in plexgmsh.c) trusts the file: it looks up node tags and
// entities without a check, sizes its arrays by the counts of the headers and then writes as
// many entries as the blocks hold, reads words into fixed buffers of PETSC_MAX_PATH_LEN chars,
// and reads a $Comments section to its $EndComments even past the end of the file (for ever).
// So the file is read here first, on the same rank, word by word and byte by byte as PETSc's
// viewers would, and anything PETSc would read out of bounds, loop on or misread is refused;
// PETSc sees only files that read here to the end of $Elements.

// The file refused: thrown inside the scanner, caught by scanGmshFile.
struct Refusal {
  std::string problem;
  bool malformed;  // the file does not parse (rather than: it parses to a bad mesh)
};
[[noreturn]] void refuse(std::string problem, bool malformed = false) {
  throw Refusal{std::move(problem), malformed};
}

constexpr long long kIntMin = std::numeric_limits<int>::min();
constexpr long long kIntMax = std::numeric_limits<int>::max();
// The longest word PETSc may read as a string: its buffer has PETSC_MAX_PATH_LEN (4096) chars and
// takes three words for the format line.
constexpr size_t kMaxWord = 1024;
// PETSc's reader reads each MSH 2.2 element into int ibuf[1 + 4 + 1000]: the element number,
// then its tags and nodes.
constexpr long long kMaxTagsAndNodes = 1004;
// PETSc's reader keeps at most this many physical tags per 4.1 entity (GMSH_MAX_TAGS).
constexpr long long kMaxEntityTags = 16;
// PETSc maps node tags through an array over [min tag, max tag]: a spread beyond this many
// entries per node (and beyond kMinTagSpread) is a corrupt file, not a mesh worth that memory.
constexpr long long kTagSpreadPerNode = 64, kMinTagSpread = 1 << 20;

// The file as PETSc's viewers read it. Words are PetscViewerRead(PETSC_STRING): separators
// (whitespace and NUL) skipped, the word read up to the next separator, which is consumed too.
// Numbers of ASCII files are read by fscanf ("%d", "%ld", "%lg"), which skips whitespace and
// stops at the number's end; here a number must be the whole word (what fscanf would leave of a
// longer word is not worth reproducing). Numbers of binary files are raw bytes in the file's byte
// order, with `dataSize` bytes for MSH 4.1's sizes.
class Input {
 public:
  explicit Input(const std::string& text) : s_(text) {}

  // From here on the numbers are raw bytes (swapped when the file's byte order is not ours).
  void setBinary(bool swap, int dataSize) {
    binary_ = true;
    swap_ = swap;
    dataSize_ = dataSize;
  }
  bool binary() const { return binary_; }
  size_t left() const { return s_.size() - pos_; }

  // "line 12" (ASCII files) or "byte 345" (binary ones) of an offset, for messages.
  std::string where(size_t offset) const {
    if (binary_) return "byte " + std::to_string(offset);
    return "line " + std::to_string(1 + std::count(s_.begin(), s_.begin() + offset, '\n'));
  }
  // Where the last word or number read starts.
  std::string here() const { return where(last_); }
  size_t position() const { return pos_; }
  // The first byte in [from, to) that is a control character other than tab, CR and LF (a NUL
  // in a text section: PETSc's line reads stop there and see another line than the words do),
  // or npos.
  size_t controlByte(size_t from, size_t to) const {
    for (size_t i = from; i < to && i < s_.size(); ++i) {
      const auto c = static_cast<unsigned char>(s_[i]);
      if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return i;
    }
    return std::string::npos;
  }

  std::string_view word() {
    while (pos_ < s_.size() && separator(s_[pos_])) ++pos_;
    last_ = pos_;
    while (pos_ < s_.size() && !separator(s_[pos_])) ++pos_;
    const auto w = std::string_view(s_).substr(last_, pos_ - last_);
    if (pos_ < s_.size()) ++pos_;
    if (w.size() > kMaxWord) {
      refuse(here() + ": a word of " + std::to_string(w.size()) + " characters (PETSc's reader " +
                 "takes at most " + std::to_string(kMaxWord) + " here)",
             true);
    }
    return w;
  }
  void expect(std::string_view keyword) {
    const auto w = word();
    if (w != keyword) mismatch(std::string(keyword), w);
  }

  // PETSc's GmshReadSection: the next section's name, after any $Comments sections.
  std::string_view section() {
    for (;;) {
      const auto w = word();
      if (w != "$Comments") return w;
      const size_t at = last_;
      while (word() != "$EndComments") {
        if (pos_ == s_.size()) {
          // PETSc would read the end of the file for ever, looking for $EndComments.
          refuse(where(at) + ": $Comments is not closed by $EndComments", true);
        }
      }
    }
  }

  // An int that PETSc reads as a word and converts with sscanf("%d").
  long long intWord(const std::string& what) {
    const auto w = word();
    long long v = 0;
    if (!wholeInteger(w, v) || v < kIntMin || v > kIntMax) mismatch(what, w);
    return v;
  }
  long long countWord(const std::string& what) {
    const long long v = intWord(what);
    if (v < 0) negative(what, v);
    return v;
  }

  // PETSC_ENUM (an int): "%d", or 4 bytes.
  long long integer(const std::string& what) {
    if (binary_) return raw<std::int32_t>(what);
    const auto w = token();
    long long v = 0;
    if (!wholeInteger(w, v) || v < kIntMin || v > kIntMax) mismatch(what, w);
    return v;
  }
  // MSH 4.1's size_t, read by GmshReadSize into a PetscInt (32 bits in Debian's PETSc): "%d" or
  // "%ld", or 4 or 8 bytes; beyond the int range PETSc would truncate it.
  long long size(const std::string& what) {
    long long v = 0;
    if (binary_) {
      v = dataSize_ == 4 ? raw<std::int32_t>(what) : raw<std::int64_t>(what);
      if (v < kIntMin || v > kIntMax) {
        refuse(here() + ": expected " + what + ", found " + std::to_string(v) +
                   " (beyond PETSc's integers)",
               true);
      }
      return v;
    }
    const auto w = token();
    if (!wholeInteger(w, v) || v < kIntMin || v > kIntMax) mismatch(what, w);
    return v;
  }
  long long count(const std::string& what) {
    const long long v = size(what);
    if (v < 0) negative(what, v);
    return v;
  }
  // PETSC_DOUBLE: "%lg", or 8 bytes.
  double real(const std::string& what) {
    if (binary_) return raw<double>(what);
    const auto w = token();
    double v = 0;
    if (!wholeReal(w, v)) mismatch(what, w);
    return v;
  }

  // PetscViewerRead with count -4096: the rest of the line, at most 4096 chars with its '\n'
  // (which PETSc replaces by the string's end), as the C string PETSc then sees.
  std::string restOfLine() {
    last_ = pos_;
    const size_t newline = s_.find('\n', pos_);
    const size_t end = newline == std::string::npos ? s_.size() : newline + 1;
    if (end - pos_ > PETSC_MAX_PATH_LEN) {
      refuse(here() + ": a line of more than " + std::to_string(PETSC_MAX_PATH_LEN - 1) +
                 " characters",
             true);
    }
    std::string line = s_.substr(pos_, end - pos_);
    pos_ = end;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line.substr(0, line.find('\0'));
  }

  // A count that the rest of the file cannot hold (each entry takes at least a byte): refused
  // before anything is sized by it.
  void fits(long long count, const std::string& what) const {
    if (count > static_cast<long long>(left())) {
      refuse(here() + ": " + std::to_string(count) + " " + what + ", more than the " +
                 std::to_string(left()) + " bytes left in the file",
             true);
    }
  }

  [[noreturn]] void mismatch(const std::string& what, std::string_view found) const {
    if (found.empty()) refuse(here() + ": expected " + what + ", found the end of the file", true);
    std::string shown;
    for (char c : found.substr(0, 40))
      shown += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    refuse(here() + ": expected " + what + ", found '" + shown + (found.size() > 40 ? "...'" : "'"),
           true);
  }

 private:
  static bool separator(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
  }
  [[noreturn]] void negative(const std::string& what, long long v) const {
    refuse(here() + ": expected " + what + ", found " + std::to_string(v) + " (negative)", true);
  }
  // A number for fscanf: the characters up to the next whitespace (an ASCII file has no NUL).
  std::string_view token() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    last_ = pos_;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return std::string_view(s_).substr(last_, pos_ - last_);
  }
  static bool wholeInteger(std::string_view w, long long& v) {
    if (w.empty() || w.size() > 30) return false;
    const std::string t(w);
    char* end = nullptr;
    errno = 0;
    v = std::strtoll(t.c_str(), &end, 10);
    return errno == 0 && end == t.c_str() + t.size();
  }
  static bool wholeReal(std::string_view w, double& v) {
    if (w.empty()) return false;
    const std::string t(w);
    char* end = nullptr;
    v = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size();
  }
  template <class T>
  T raw(const std::string& what) {
    last_ = pos_;
    if (left() < sizeof(T)) mismatch(what, "");
    std::array<char, sizeof(T)> bytes;
    std::memcpy(bytes.data(), s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    if (swap_) std::reverse(bytes.begin(), bytes.end());
    T v;
    std::memcpy(&v, bytes.data(), sizeof(T));
    return v;
  }

  const std::string& s_;
  size_t pos_ = 0, last_ = 0;
  bool binary_ = false, swap_ = false;
  int dataSize_ = 8;
};

// The element shapes of PETSc's gmsh reader, in the order in which it numbers the cells of the
// top dimension: by shape (tetrahedra, hexahedra, prisms, pyramids; triangles, quadrilaterals),
// in file order within a shape.
enum Shape { kTet, kHex, kPrism, kPyramid, kTriangle, kQuad, kSegment, kPoint, kNumShapes };
constexpr int kShapeDim[kNumShapes] = {3, 3, 3, 3, 2, 2, 1, 0};
constexpr int kShapeVertices[kNumShapes] = {4, 8, 6, 5, 3, 4, 2, 1};

struct ElementType {
  Shape shape;
  int order;
  int nodes;
};

// Nodes of a Lagrange element of the shape and order (gmsh's complete elements).
int lagrangeNodes(Shape s, int p) {
  switch (s) {
    case kPoint:
      return 1;
    case kSegment:
      return p + 1;
    case kTriangle:
      return (p + 1) * (p + 2) / 2;
    case kQuad:
      return (p + 1) * (p + 1);
    case kTet:
      return (p + 1) * (p + 2) * (p + 3) / 6;
    case kHex:
      return (p + 1) * (p + 1) * (p + 1);
    case kPrism:
      return (p + 1) * (p + 1) * (p + 2) / 2;
    case kPyramid:
      return (p + 1) * (p + 2) * (2 * p + 3) / 6;
    default:
      return 0;
  }
}

// The gmsh element types PETSc's reader accepts (its GmshCellTable).
std::optional<ElementType> elementType(long long type) {
  struct Family {
    Shape shape;
    std::array<int, 10> types;  // of orders 1, 2, ...; 0 = none
  };
  static const Family families[] = {
      {kSegment, {1, 8, 26, 27, 28, 62, 63, 64, 65, 66}},
      {kTriangle, {2, 9, 21, 23, 25, 42, 43, 44, 45, 46}},
      {kQuad, {3, 10, 36, 37, 38, 47, 48, 49, 50, 51}},
      {kTet, {4, 11, 29, 30, 31, 71, 72, 73, 74, 75}},
      {kHex, {5, 12, 92, 93, 94, 95, 96, 97, 98, 0}},
      {kPrism, {6, 13, 90, 91, 106, 107, 108, 109, 110, 0}},
      {kPyramid, {7, 14, 118, 119, 120, 121, 122, 123, 124, 0}},
  };
  if (type == 15) return ElementType{kPoint, 0, 1};
  if (type == 16) return ElementType{kQuad, 2, 8};  // serendipity
  if (type == 17) return ElementType{kHex, 2, 20};
  for (const auto& f : families) {
    for (int k = 0; k < 10; ++k) {
      if (f.types[k] != 0 && f.types[k] == type) {
        return ElementType{f.shape, k + 1, lagrangeNodes(f.shape, k + 1)};
      }
    }
  }
  return std::nullopt;
}

// The node tags of $Nodes: a bitmap when they are dense (gmsh numbers 1..n), else sorted.
class NodeTags {
 public:
  // The problem with the tags as PETSc maps them ("" if none).
  std::string build(std::vector<long long> tags) {
    if (tags.empty()) return "";
    const auto [lo, hi] = std::minmax_element(tags.begin(), tags.end());
    if (*lo < 1 || *hi >= kIntMax) {
      return "node tag " + std::to_string(*lo < 1 ? *lo : *hi) + " is not in [1, " +
             std::to_string(kIntMax - 1) + "]";
    }
    const long long spread = *hi - *lo + 1, n = static_cast<long long>(tags.size());
    if (spread > std::max(kTagSpreadPerNode * n, kMinTagSpread)) {
      return "the node tags span [" + std::to_string(*lo) + ", " + std::to_string(*hi) + "] for " +
             std::to_string(n) +
             " nodes: PETSc's reader allocates an entry per tag of that range (renumber the "
             "nodes)";
    }
    lo_ = *lo;
    if (spread < 8 * n + 64) {
      present_.assign(static_cast<size_t>(spread), 0);
      for (long long t : tags) {
        auto& p = present_[static_cast<size_t>(t - lo_)];
        if (p) return "node tag " + std::to_string(t) + " appears twice in $Nodes";
        p = 1;
      }
    } else {
      std::sort(tags.begin(), tags.end());
      const auto twice = std::adjacent_find(tags.begin(), tags.end());
      if (twice != tags.end()) {
        return "node tag " + std::to_string(*twice) + " appears twice in $Nodes";
      }
      sorted_ = std::move(tags);
    }
    return "";
  }
  bool contains(long long t) const {
    if (!present_.empty()) {
      return t >= lo_ && static_cast<unsigned long long>(t - lo_) < present_.size() &&
             present_[static_cast<size_t>(t - lo_)];
    }
    return std::binary_search(sorted_.begin(), sorted_.end(), t);
  }

 private:
  long long lo_ = 0;
  std::vector<char> present_;
  std::vector<long long> sorted_;
};

std::string coordinateProblem(double x) {
  if (!std::isfinite(x)) return "a non-finite coordinate (" + realText(x) + ")";
  if (std::abs(x) > kMaxMeshCoordinate) {
    return "the coordinate " + realText(x) +
           ", beyond the bound |x| <= " + realText(kMaxMeshCoordinate);
  }
  return {};
}

// One pass over the file, in PETSc's order: $MeshFormat, [$PhysicalNames], $Entities (4.1),
// $Nodes, $Elements, each section but the first after any $Comments; then the name of the next
// section, which PETSc reads to see whether it is $Periodic. What follows is not read.
class GmshScanner {
 public:
  GmshScanner(const std::string& text, GmshScan& out) : in_(text), text_(text), out_(out) {}

  void run() {
    in_.expect("$MeshFormat");
    format();
    in_.expect("$EndMeshFormat");
    auto section = in_.section();
    if (section == "$PhysicalNames") {
      physicalNames();
      in_.expect("$EndPhysicalNames");
      section = in_.section();
    }
    if (v41_) {
      if (section != "$Entities") sectionMismatch("$Entities", section);
      entities();
      in_.expect("$EndEntities");
      section = in_.section();
    }
    if (section != "$Nodes") sectionMismatch("$Nodes", section);
    v41_ ? nodes41() : nodes22();
    in_.expect("$EndNodes");
    section = in_.section();
    if (section != "$Elements") sectionMismatch("$Elements", section);
    v41_ ? elements41() : elements22();
    in_.expect("$EndElements");
    // PETSc's reader of $Periodic looks up its node tags unchecked and, in MSH 4.1, reads twice
    // as many of them as its buffer holds; pdeinv has no periodic meshes to offer in return.
    if (in_.section() == "$Periodic") {
      refuse("it has a $Periodic section: periodic meshes are not supported");
    }
    cells();
  }

 private:
  [[noreturn]] void sectionMismatch(const char* expected, std::string_view found) {
    in_.mismatch(expected, found);
  }

  // "2.2 0 8" (+ the int 1 in binary files): version, file type, data size. PETSc reads the
  // version as a float and takes round(10 v): 22 and 41 are read here, 40 (MSH 4.0, which has
  // other sizes) and the versions PETSc would read as 2.2 (2.3, ..., 2.9) are refused.
  void format() {
    const auto version = in_.word();
    const std::string v(version);
    char* end = nullptr;
    const float f = std::strtof(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size())
      in_.mismatch("the MSH version (2.2 or 4.1)", version);
    const long format = std::lround(f * 10.0f);
    if (format != 22 && format != 41) {
      refuse("MSH version " + v + " is not read by pdeinv: save the mesh as MSH 4.1 or 2.2 " +
                 "(gmsh -format msh41)",
             true);
    }
    v41_ = format == 41;
    const auto type = in_.word();
    if (type != "0" && type != "1") in_.mismatch("the file type (0: ASCII, 1: binary)", type);
    const long long dataSize = in_.intWord("the data size");
    if (!(dataSize == 8 || (v41_ && dataSize == 4))) {
      in_.mismatch(v41_ ? "the data size (4 or 8)" : "the data size (8)", std::to_string(dataSize));
    }
    if (type == "0") {
      // fscanf and PETSc's word reader part ways at a NUL.
      const size_t nul = text_.find('\0');
      if (nul != std::string::npos) refuse(in_.where(nul) + ": a NUL byte in an ASCII file", true);
      return;
    }
    // The int 1, in the file's byte order.
    in_.setBinary(false, static_cast<int>(dataSize));
    const long long one = in_.integer("the int 1 of a binary file");
    if (one != 1) {
      if (__builtin_bswap32(static_cast<std::uint32_t>(one)) != 1) {
        refuse(in_.here() + ": expected the int 1 of a binary file, found " + std::to_string(one),
               true);
      }
      in_.setBinary(true, static_cast<int>(dataSize));
    }
  }

  // Each "dim tag "name"" line: PETSc copies the name between the first '"' and the last '"'
  // (or the last ':') into a buffer of 130 chars, trusting the two to be in that order and near.
  void physicalNames() {
    const long long n = in_.countWord("the number of physical names");
    for (long long i = 0; i < n; ++i) {
      const size_t lineStart = in_.position();
      (void)in_.intWord("the dimension of a physical name");
      (void)in_.intWord("the tag of a physical name");
      const std::string line = in_.restOfLine();
      const std::string at = in_.here();
      if (const size_t bad = in_.controlByte(lineStart, in_.position()); bad != std::string::npos) {
        refuse(in_.where(bad) + ": a control byte (" +
                   std::to_string(static_cast<unsigned char>(text_[bad])) +
                   ") in a physical name's line of $PhysicalNames, which is text",
               true);
      }
      const auto quote = line.find('"');
      long long length = -1;  // PETSc's count for its copy
      if (quote != std::string::npos) {
        const auto colon = line.rfind(':');
        const size_t afterColon = colon == std::string::npos ? 0 : colon + 1;
        size_t stop = line.rfind('"') + 1;
        if (afterColon != quote) stop = afterColon;
        length = static_cast<long long>(stop) - static_cast<long long>(quote) - 1;
      }
      if (length < 1 || length > 128) {
        refuse(at + ": expected a physical name in double quotes, of at most 127 characters, " +
                   "found '" + line.substr(0, 40) + (line.size() > 40 ? "...'" : "'"),
               true);
      }
    }
  }

  void entities() {
    long long count[4];
    for (auto& c : count) c = in_.count("the number of entities of a dimension");
    for (int dim = 0; dim < 4; ++dim) {
      for (long long e = 0; e < count[dim]; ++e) {
        const long long tag = in_.integer("an entity tag");
        for (int k = 0; k < (dim == 0 ? 3 : 6); ++k) (void)in_.real("a bounding box coordinate");
        const long long tags = in_.count("the number of physical tags");
        if (tags > kMaxEntityTags) {
          refuse("entity " + std::to_string(tag) + " of dimension " + std::to_string(dim) +
                 " has " + std::to_string(tags) + " physical tags; PETSc's reader takes at most " +
                 std::to_string(kMaxEntityTags));
        }
        for (long long k = 0; k < tags; ++k) (void)in_.integer("a physical tag");
        entities_[dim].insert(tag);
        if (dim == 0) continue;
        const long long bounding = in_.count("the number of bounding entities");
        for (long long k = 0; k < bounding; ++k) (void)in_.integer("a bounding entity");
      }
    }
  }

  void node(long long tag, const double xyz[3]) {
    for (int d = 0; d < 3; ++d) {
      const auto p = coordinateProblem(xyz[d]);
      if (!p.empty()) refuse("node " + std::to_string(tag) + " has " + p);
    }
  }

  void nodes22() {
    const long long n = in_.countWord("the number of nodes");
    std::vector<long long> tags;
    for (long long i = 0; i < n; ++i) {
      const long long tag = in_.integer("a node tag");
      double xyz[3];
      for (auto& x : xyz) x = in_.real("the coordinates of node " + std::to_string(tag));
      node(tag, xyz);
      tags.push_back(tag);
    }
    buildTags(std::move(tags));
  }

  // A 4.1 block's entity must exist: PETSc looks it up unchecked.
  void knownEntity(const char* section, long long dim, long long tag) {
    if (dim >= 0 && dim <= 3 && entities_[dim].count(tag)) return;
    refuse("a block of " + std::string(section) + " refers to entity " + std::to_string(tag) +
           " of dimension " + std::to_string(dim) + ", which is not in $Entities");
  }

  // PETSc sizes its arrays by a 4.1 header's count and fills them block by block: the blocks
  // must hold that many, no more (an overflow) and no fewer (uninitialized entries).
  static void blockTotal(const char* section, long long total, long long header) {
    if (total == header) return;
    refuse("the blocks of " + std::string(section) + " hold " +
           (total > header ? "more than " : "") + std::to_string(total) + " entries, not the " +
           std::to_string(header) + " of its header");
  }

  void nodes41() {
    const long long blocks = in_.count("the number of node blocks");
    const long long total = in_.count("the number of nodes");
    const long long minTag = in_.size("the smallest node tag");
    const long long maxTag = in_.size("the largest node tag");
    std::vector<long long> tags;
    for (long long b = 0; b < blocks; ++b) {
      const long long dim = in_.integer("the dimension of a node block");
      const long long entity = in_.integer("the entity of a node block");
      const long long parametric = in_.integer("whether a node block is parametric");
      knownEntity("$Nodes", dim, entity);
      if (parametric != 0) refuse("parametric nodes are not supported (by PETSc's reader)");
      const long long n = in_.count("the number of nodes of a block");
      in_.fits(n, "nodes in a block");
      if (static_cast<long long>(tags.size()) + n > total) {
        blockTotal("$Nodes", static_cast<long long>(tags.size()) + n, total);
      }
      const size_t first = tags.size();
      tags.resize(first + static_cast<size_t>(n));
      for (size_t k = first; k < tags.size(); ++k) tags[k] = in_.size("a node tag");
      for (size_t k = first; k < tags.size(); ++k) {
        double xyz[3];
        for (auto& x : xyz) x = in_.real("the coordinates of node " + std::to_string(tags[k]));
        node(tags[k], xyz);
      }
    }
    blockTotal("$Nodes", static_cast<long long>(tags.size()), total);
    // Without nodes PETSc sizes its tag map by the header's range instead (and there are no
    // cells: refused below).
    if (total > 0 && (maxTag >= kIntMax || maxTag + 1 < minTag)) {
      refuse("the header of $Nodes gives the tag range [" + std::to_string(minTag) + ", " +
             std::to_string(maxTag) + "], which PETSc's reader cannot use");
    }
    buildTags(std::move(tags));
  }

  void buildTags(std::vector<long long> tags) {
    const auto problem = tags_.build(std::move(tags));
    if (!problem.empty()) refuse(problem);
  }

  void element(long long id, const ElementType& type, const std::vector<long long>& nodes) {
    for (int k = 0; k < type.nodes; ++k) {
      if (!tags_.contains(nodes[k])) {
        refuse("element " + std::to_string(id) + " refers to node " + std::to_string(nodes[k]) +
               ", which is not in $Nodes");
      }
    }
    // A cell's cone with a vertex twice is not a cell PETSc's topology code can take.
    const int vertices = kShapeVertices[type.shape];
    for (int a = 0; a < vertices; ++a) {
      for (int b = a + 1; b < vertices; ++b) {
        if (nodes[a] == nodes[b]) {
          refuse("element " + std::to_string(id) + " has node " + std::to_string(nodes[a]) +
                 " twice among its vertices");
        }
      }
    }
    const int dim = kShapeDim[type.shape];
    ids_[type.shape].push_back(static_cast<PetscInt>(id));
    if (dim >= 1) {
      kept_.push_back({id, type.shape, vertices_.size()});
      vertices_.insert(vertices_.end(), nodes.begin(), nodes.begin() + vertices);
    }
    if (!first_[dim]) first_[dim] = std::make_pair(id, type.order);
    if (!otherOrder_[dim] && type.order != first_[dim]->second) {
      otherOrder_[dim] = std::make_pair(id, type.order);
    }
    topDim_ = std::max(topDim_, dim);
  }

  ElementType knownType(long long type, const std::string& what) {
    const auto t = elementType(type);
    if (!t) {
      refuse(what + " is of gmsh element type " + std::to_string(type) +
             ", which PETSc's reader does not read");
    }
    return *t;
  }

  void tagsAndNodes(long long id, long long tags, const ElementType& type) {
    if (tags < 0 || tags + type.nodes > kMaxTagsAndNodes) {
      refuse("element " + std::to_string(id) + " has " + std::to_string(tags) +
             " tags: PETSc's reader holds at most " + std::to_string(kMaxTagsAndNodes) +
             " tags and nodes of an element");
    }
  }

  void elements22() {
    const long long n = in_.countWord("the number of elements");
    std::vector<long long> nodes;
    if (!in_.binary()) {
      for (long long c = 0; c < n; ++c) {
        const long long id = in_.integer("an element number");
        const auto type =
            knownType(in_.integer("an element type"), "element " + std::to_string(id));
        const long long tags = in_.integer("the number of tags of element " + std::to_string(id));
        tagsAndNodes(id, tags, type);
        for (long long t = 0; t < tags; ++t)
          (void)in_.integer("a tag of element " + std::to_string(id));
        nodes.resize(static_cast<size_t>(type.nodes));
        for (auto& v : nodes) v = in_.integer("a node of element " + std::to_string(id));
        element(id, type, nodes);
      }
      return;
    }
    // Binary: blocks of elements of one type and number of tags.
    for (long long c = 0; c < n;) {
      const auto type = knownType(in_.integer("an element type"), "a block of $Elements");
      const long long count = in_.integer("the number of elements of a block");
      const long long tags = in_.integer("the number of tags of a block");
      if (count < 1 || c + count > n) {
        refuse("a block of $Elements holds " + std::to_string(count) + " elements, where " +
               std::to_string(n - c) + " of the header's " + std::to_string(n) + " are left");
      }
      nodes.resize(static_cast<size_t>(type.nodes));
      for (long long e = 0; e < count; ++e, ++c) {
        const long long id = in_.integer("an element number");
        tagsAndNodes(id, tags, type);
        for (long long t = 0; t < tags; ++t)
          (void)in_.integer("a tag of element " + std::to_string(id));
        for (auto& v : nodes) v = in_.integer("a node of element " + std::to_string(id));
        element(id, type, nodes);
      }
    }
  }

  void elements41() {
    const long long blocks = in_.count("the number of element blocks");
    const long long total = in_.count("the number of elements");
    (void)in_.size("the smallest element tag");
    (void)in_.size("the largest element tag");
    long long c = 0;
    std::vector<long long> nodes;
    for (long long b = 0; b < blocks; ++b) {
      const long long dim = in_.integer("the dimension of an element block");
      const long long entity = in_.integer("the entity of an element block");
      const long long typeNumber = in_.integer("the element type of a block");
      knownEntity("$Elements", dim, entity);
      const auto type = knownType(typeNumber, "a block of $Elements");
      // PETSc takes the block's dimension for its elements' (cells, facets, ...).
      if (dim != kShapeDim[type.shape]) {
        refuse("a block of $Elements of dimension " + std::to_string(dim) +
               " holds elements of type " + std::to_string(typeNumber) + ", of dimension " +
               std::to_string(kShapeDim[type.shape]));
      }
      const long long n = in_.count("the number of elements of a block");
      if (c + n > total) blockTotal("$Elements", c + n, total);
      nodes.resize(static_cast<size_t>(type.nodes));
      for (long long e = 0; e < n; ++e, ++c) {
        const long long id = in_.size("an element tag");
        for (auto& v : nodes) v = in_.size("a node of element " + std::to_string(id));
        element(id, type, nodes);
      }
    }
    blockTotal("$Elements", c, total);
  }

  // The cells: elements of the highest dimension, all of one order (PETSc sizes the coordinate
  // field of every cell by the first's).
  void cells() {
    if (topDim_ == 0) refuse("it has no cells (elements of dimension 1, 2 or 3)");
    if (otherOrder_[topDim_]) {
      refuse("element " + std::to_string(otherOrder_[topDim_]->first) + " is of order " +
             std::to_string(otherOrder_[topDim_]->second) + " but element " +
             std::to_string(first_[topDim_]->first) + " of order " +
             std::to_string(first_[topDim_]->second) + ": PETSc's reader needs one order for " +
             "all cells");
    }
    for (int s = 0; s < kNumShapes; ++s) {
      if (kShapeDim[s] == topDim_) {
        out_.cellElements.insert(out_.cellElements.end(), ids_[s].begin(), ids_[s].end());
      }
    }
    facets();
  }

  // PETSc tags a facet element (dimension one below the cells) by the mesh point whose closure
  // holds its vertices; when there is none (or several) it stops with a work array checked out,
  // and the half-made mesh cannot be destroyed. A facet element must be a side of a cell.
  void facets() {
    if (topDim_ < 2) return;                // the facets of a 1-D mesh are vertices, always found
    using Side = std::array<long long, 4>;  // sorted vertex tags, padded with 0 (tags are >= 1)
    auto side = [&](const Kept& e, std::initializer_list<int> local) {
      Side v{};
      size_t k = 0;
      for (int i : local) v[k++] = vertices_[e.offset + static_cast<size_t>(i)];
      std::sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k));
      return v;
    };
    std::set<Side> sides;
    for (const auto& e : kept_) {
      if (kShapeDim[e.shape] != topDim_) continue;
      // Sides in gmsh's local numbering of the vertices.
      switch (e.shape) {
        case kTriangle:
          for (auto s : {side(e, {0, 1}), side(e, {1, 2}), side(e, {2, 0})}) sides.insert(s);
          break;
        case kQuad:
          for (auto s : {side(e, {0, 1}), side(e, {1, 2}), side(e, {2, 3}), side(e, {3, 0})})
            sides.insert(s);
          break;
        case kTet:
          for (auto s :
               {side(e, {0, 1, 2}), side(e, {0, 1, 3}), side(e, {0, 2, 3}), side(e, {1, 2, 3})})
            sides.insert(s);
          break;
        case kHex:
          for (auto s : {side(e, {0, 1, 2, 3}), side(e, {4, 5, 6, 7}), side(e, {0, 1, 5, 4}),
                         side(e, {1, 2, 6, 5}), side(e, {2, 3, 7, 6}), side(e, {3, 0, 4, 7})})
            sides.insert(s);
          break;
        case kPrism:
          for (auto s : {side(e, {0, 1, 2}), side(e, {3, 4, 5}), side(e, {0, 1, 4, 3}),
                         side(e, {1, 2, 5, 4}), side(e, {2, 0, 3, 5})})
            sides.insert(s);
          break;
        case kPyramid:
          for (auto s : {side(e, {0, 1, 2, 3}), side(e, {0, 1, 4}), side(e, {1, 2, 4}),
                         side(e, {2, 3, 4}), side(e, {3, 0, 4})})
            sides.insert(s);
          break;
        default:
          break;
      }
    }
    for (const auto& e : kept_) {
      if (kShapeDim[e.shape] != topDim_ - 1) continue;
      // (At most a Side's size: facets have at most 4 vertices; the bound also tells GCC.)
      const int n = std::min(kShapeVertices[e.shape], static_cast<int>(Side().size()));
      Side v{};
      std::copy_n(vertices_.begin() + static_cast<std::ptrdiff_t>(e.offset), n, v.begin());
      // Insertion sort of the n ≤ 4 entries (std::sort here makes GCC 12 warn of its
      // 16-element insertion-sort threshold, out of the array's bounds).
      for (int i = 1; i < n; ++i)
        for (int j = i; j > 0 && v[j - 1] > v[j]; --j) std::swap(v[j - 1], v[j]);
      if (!sides.count(v)) {
        refuse("element " + std::to_string(e.id) + " (of dimension " + std::to_string(topDim_ - 1) +
               ") is not a side of any cell");
      }
    }
  }

  Input in_;
  const std::string& text_;
  GmshScan& out_;
  bool v41_ = false;
  std::set<long long> entities_[4];
  NodeTags tags_;
  std::array<std::vector<PetscInt>, kNumShapes> ids_;
  // The elements of dimension >= 1 with their vertices (at vertices_[offset], in file order).
  struct Kept {
    long long id;
    Shape shape;
    size_t offset;
  };
  std::vector<Kept> kept_;
  std::vector<long long> vertices_;
  // Per dimension: the first element (number, order) and the first of another order.
  std::optional<std::pair<long long, int>> first_[4], otherOrder_[4];
  int topDim_ = 0;
};

// ---- the cells of the DMPlex ----

// The reference cell's vertices as a quadrature (unit weights): det J at the corners of a cell.
// For simplices J is constant; for a bilinear quadrilateral det J is linear in each reference
// coordinate, so its extremes are at the corners; for hexahedra the corners are the usual test.
Owned<PetscQuadrature> cornerQuadrature(DMPolytopeType type) {
  Owned<DM> ref;
  PDEINV_CALL(DMPlexCreateReferenceCell(PETSC_COMM_SELF, type, ref.out()));
  PetscInt dim = 0, n = 0;
  PDEINV_CALL(DMGetDimension(ref, &dim));
  Vec x = nullptr;
  PDEINV_CALL(DMGetCoordinatesLocal(ref, &x));
  PDEINV_CALL(VecGetLocalSize(x, &n));
  const PetscScalar* a = nullptr;
  PetscReal *points = nullptr, *weights = nullptr;
  PDEINV_CALL(PetscMalloc1(n, &points));
  PDEINV_CALL(PetscMalloc1(n / dim, &weights));
  PDEINV_CALL(VecGetArrayRead(x, &a));
  for (PetscInt i = 0; i < n; ++i) points[i] = PetscRealPart(a[i]);
  PDEINV_CALL(VecRestoreArrayRead(x, &a));
  for (PetscInt i = 0; i < n / dim; ++i) weights[i] = 1;
  Owned<PetscQuadrature> q;
  PDEINV_CALL(PetscQuadratureCreate(PETSC_COMM_SELF, q.out()));
  PDEINV_CALL(PetscQuadratureSetData(q, dim, 1, n / dim, points, weights));  // takes them
  return q;
}

class CellChecker {
 public:
  CellChecker(DM dm, const std::vector<PetscInt>& elementNumbers) : dm_(dm) {
    PDEINV_CALL(DMGetDimension(dm, &dim_));
    PDEINV_CALL(DMGetCoordinateDim(dm, &cdim_));
    PDEINV_CALL(DMPlexGetHeightStratum(dm, 0, &cStart_, &cEnd_));
    if (static_cast<PetscInt>(elementNumbers.size()) == cEnd_ - cStart_) numbers_ = elementNumbers;
    PDEINV_CALL(DMGetCoordinatesLocal(dm, &coordinates_));  // collective: every rank calls it
  }

  // The first problem of the local cells, "" if none.
  std::string firstProblem() {
    auto p = coordinates();
    for (PetscInt c = cStart_; c < cEnd_ && p.empty(); ++c) {
      p = geometry(c);
      if (p.empty()) p = duplicate(c);
    }
    return p.empty() ? facets() : p;
  }

 private:
  std::string number(PetscInt c) const {
    return std::to_string(numbers_.empty() ? c : numbers_[c - cStart_]);
  }
  std::string name(PetscInt c) const {
    return (numbers_.empty() ? "cell " : "element ") + number(c);
  }
  // "elements 9, 12 and 17"
  std::string names(const std::vector<PetscInt>& cells) const {
    std::string s = numbers_.empty() ? "cells " : "elements ";
    for (size_t k = 0; k < cells.size(); ++k) {
      s += (k == 0 ? "" : k + 1 == cells.size() ? " and " : ", ") + number(cells[k]);
    }
    return s;
  }

  // Finite, bounded coordinates, point by point (vertices, and the edges and cells of a
  // high-order coordinate field); a bad one is named by the first cell it belongs to.
  std::string coordinates() {
    PetscSection cs = nullptr;
    PetscInt pStart = 0, pEnd = 0;
    const PetscScalar* x = nullptr;
    PDEINV_CALL(DMGetCoordinateSection(dm_, &cs));
    PDEINV_CALL(PetscSectionGetChart(cs, &pStart, &pEnd));
    PDEINV_CALL(VecGetArrayRead(coordinates_, &x));
    std::string problem;
    PetscInt bad = -1;
    for (PetscInt p = pStart; p < pEnd && problem.empty(); ++p) {
      PetscInt dof = 0, off = 0;
      PDEINV_CALL(PetscSectionGetDof(cs, p, &dof));
      PDEINV_CALL(PetscSectionGetOffset(cs, p, &off));
      for (PetscInt k = off; k < off + dof && problem.empty(); ++k) {
        problem = coordinateProblem(PetscRealPart(x[k]));
        bad = p;
      }
    }
    PDEINV_CALL(VecRestoreArrayRead(coordinates_, &x));
    if (problem.empty()) return problem;
    PetscInt n = 0, *star = nullptr, cell = -1;
    PDEINV_CALL(DMPlexGetTransitiveClosure(dm_, bad, PETSC_FALSE, &n, &star));
    for (PetscInt k = 0; k < 2 * n; k += 2) {
      if (star[k] >= cStart_ && star[k] < cEnd_ && (cell < 0 || star[k] < cell)) cell = star[k];
    }
    PDEINV_CALL(DMPlexRestoreTransitiveClosure(dm_, bad, PETSC_FALSE, &n, &star));
    if (cell < 0) return "mesh point " + std::to_string(bad) + " (in no cell) has " + problem;
    return name(cell) + " has a vertex with " + problem;
  }

  // det J at the cell's corners: none near zero (degenerate), none negative (inverted).
  std::string geometry(PetscInt c) {
    DMPolytopeType type = DM_POLYTOPE_UNKNOWN;
    PDEINV_CALL(DMPlexGetCellType(dm_, c, &type));
    // The shapes PETSc computes J for from the vertices alone (prisms and pyramids are not
    // among them): others are not checked.
    if (type != DM_POLYTOPE_SEGMENT && type != DM_POLYTOPE_TRIANGLE &&
        type != DM_POLYTOPE_QUADRILATERAL && type != DM_POLYTOPE_TETRAHEDRON &&
        type != DM_POLYTOPE_HEXAHEDRON) {
      return {};
    }
    auto& q = corners_[type];
    if (!q) q = cornerQuadrature(type);
    PetscInt nq = 0;
    PDEINV_CALL(PetscQuadratureGetData(q, nullptr, nullptr, &nq, nullptr, nullptr));
    PetscReal v[8 * 3], J[8 * 9], invJ[8 * 9], detJ[8];
    try {
      PDEINV_CALL(DMPlexComputeCellGeometryFEM(dm_, c, q, v, J, invJ, detJ));
    } catch (const PetscFailure& e) {
      return "the geometry of " + name(c) + " cannot be computed: " + e.what();
    }
    // The cell's size h: its longest edge at a corner (J's columns are half the edges there,
    // the reference cell being [-1, 1]^dim); at the first vertex only for a simplex.
    PetscReal h2 = 0;
    for (PetscInt k = 0; k < nq; ++k) {
      for (PetscInt j = 0; j < dim_; ++j) {
        PetscReal l2 = 0;
        for (PetscInt i = 0; i < cdim_; ++i)
          l2 += J[(k * cdim_ + i) * cdim_ + j] * J[(k * cdim_ + i) * cdim_ + j];
        h2 = std::max(h2, 4 * l2);
      }
    }
    const PetscReal h = std::sqrt(h2);
    const PetscReal tol = kDegenerateCellTolerance * std::pow(h, static_cast<PetscReal>(dim_));
    for (PetscInt k = 0; k < nq; ++k) {
      if (!(std::abs(detJ[k]) > tol)) {
        return name(c) + " is degenerate: det J = " + realText(detJ[k]) + ", not above " +
               realText(kDegenerateCellTolerance) + "*h^" + std::to_string(dim_) +
               " for its size h = " + realText(h);
      }
    }
    PetscInt negative = 0, at = 0;
    for (PetscInt k = 0; k < nq; ++k) {
      if (detJ[k] < 0) ++negative, at = k;
    }
    if (negative == nq) {
      return name(c) + " is inverted: det J = " + realText(detJ[at]) +
             " < 0 (its nodes are listed in the reverse order; PETSc's reader does not " +
             "reorient cells)";
    }
    if (negative > 0) {
      return name(c) + " is twisted: det J = " + realText(detJ[at]) +
             " < 0 at one corner and > 0 at another (its nodes are not listed in order around " +
             "the cell)";
    }
    return {};
  }

  // A cell listed twice: in an interpolated mesh both copies have the same facets, so the
  // copy is among the cells on the other side of the first facet.
  std::string duplicate(PetscInt c) {
    PetscInt nc = 0, ns = 0;
    const PetscInt *cone = nullptr, *support = nullptr;
    PDEINV_CALL(DMPlexGetConeSize(dm_, c, &nc));
    if (nc == 0 || nc > kMaxCone) return {};
    PDEINV_CALL(DMPlexGetCone(dm_, c, &cone));
    PDEINV_CALL(DMPlexGetSupportSize(dm_, cone[0], &ns));
    if (ns < 2) return {};
    PDEINV_CALL(DMPlexGetSupport(dm_, cone[0], &support));
    // Sorted cones, padded to a fixed size.
    std::array<PetscInt, kMaxCone> mine, theirs;
    mine.fill(PETSC_MAX_INT);
    std::copy(cone, cone + nc, mine.begin());
    std::sort(mine.begin(), mine.end());
    for (PetscInt k = 0; k < ns; ++k) {
      const PetscInt other = support[k];
      PetscInt no = 0;
      const PetscInt* oc = nullptr;
      if (other == c || other < cStart_ || other >= cEnd_) continue;
      PDEINV_CALL(DMPlexGetConeSize(dm_, other, &no));
      if (no != nc) continue;
      PDEINV_CALL(DMPlexGetCone(dm_, other, &oc));
      theirs.fill(PETSC_MAX_INT);
      std::copy(oc, oc + no, theirs.begin());
      std::sort(theirs.begin(), theirs.end());
      if (theirs == mine) {
        return names({c, other}) + " are the same cell (the same vertices, listed twice)";
      }
    }
    return {};
  }

  // Conformity: a facet belongs to one cell (boundary) or two. Seen locally: on a distributed
  // mesh a facet on a partition boundary counts the cells of one side only.
  std::string facets() {
    PetscInt depth = 0, fStart = 0, fEnd = 0;
    PDEINV_CALL(DMPlexGetDepth(dm_, &depth));
    if (depth != dim_) return {};  // not interpolated: the facets are not there
    PDEINV_CALL(DMPlexGetHeightStratum(dm_, 1, &fStart, &fEnd));
    for (PetscInt f = fStart; f < fEnd; ++f) {
      PetscInt ns = 0;
      const PetscInt* support = nullptr;
      PDEINV_CALL(DMPlexGetSupportSize(dm_, f, &ns));
      if (ns <= 2) continue;
      PDEINV_CALL(DMPlexGetSupport(dm_, f, &support));
      return "a facet is shared by " + std::to_string(ns) + " cells (" +
             names({support, support + ns}) +
             "); in a conforming mesh a facet belongs to at most two";
    }
    return {};
  }

  static constexpr PetscInt kMaxCone = 8;  // a hexahedron's vertices, when not interpolated
  DM dm_;
  PetscInt dim_ = 0, cdim_ = 0, cStart_ = 0, cEnd_ = 0;
  std::vector<PetscInt> numbers_;
  Vec coordinates_ = nullptr;
  std::map<DMPolytopeType, Owned<PetscQuadrature>> corners_;
};

// The problem of the lowest rank that has one becomes the same InputError on every rank (an
// exception on some ranks only would be an MPI abort).
void raiseFirst(MPI_Comm comm, const std::string& source, const std::string& problem) {
  const int size = sizeOf(comm);
  int mine = problem.empty() ? size : rankOf(comm), first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return;
  std::string message = source + ": " + problem;
  int len = static_cast<int>(message.size());
  MPI_Bcast(&len, 1, MPI_INT, first, comm);
  message.resize(len);
  MPI_Bcast(message.data(), len, MPI_CHAR, first, comm);
  throw InputError(message);
}

}  // namespace

GmshScan scanGmshFile(const std::string& path) {
  GmshScan out;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    out.problem = "it cannot be read";
    return out;
  }
  const std::string s = text.str();
  try {
    GmshScanner(s, out).run();
    out.checked = true;
  } catch (const Refusal& r) {
    out.checked = !r.malformed;
    out.problem = r.problem;
    out.cellElements.clear();
  }
  return out;
}

void validateMeshCells(DM dm, const std::string& source,
                       const std::vector<PetscInt>& elementNumbers) {
  std::string problem;
  try {
    problem = CellChecker(dm, elementNumbers).firstProblem();
  } catch (const PetscFailure& e) {
    problem = std::string("the mesh cannot be checked: ") + e.what();
  }
  raiseFirst(PetscObjectComm(reinterpret_cast<PetscObject>(dm)), source, problem);
}

}  // namespace pdeinv
