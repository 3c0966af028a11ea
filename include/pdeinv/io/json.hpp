#pragma once
// A small streaming JSON writer for run records (summary.json, run_info.json, verify.json).
//
//   JsonWriter w(out);
//   w.beginObject();
//   w.field("converged", true).field("cost", 1.5e-3).field("iterations", 12);
//   w.key("history").beginArray(/*compact=*/true).value(1.0).value(0.5).endArray();
//   w.endObject();   // → {"converged": true, "cost": 0.0015, "iterations": 12, "history": [1,
//   0.5]}
//
// Output is always valid JSON: strings are escaped (quotes, backslashes, control characters;
// UTF-8 passes through), non-finite numbers (NaN, ±Inf) are written as null, and floating-point
// numbers use the shortest text that reads back to the same double. Objects and arrays are
// pretty-printed (one member per line, indented) unless opened compact (one line). Misuse —
// a value in an object without a key, a key outside an object, unbalanced begin/end — throws
// std::logic_error (a programming error, not bad input).
#include <concepts>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pdeinv {

// "text" with JSON escapes, including the quotes.
std::string jsonString(std::string_view text);
// The number as JSON: shortest round-trip form, or null when not finite.
std::string jsonNumber(double x);

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out, int indent = 2);
  // Checks that every container was closed, and ends the document with a newline.
  void finish();

  JsonWriter& beginObject(bool compact = false);
  JsonWriter& endObject();
  JsonWriter& beginArray(bool compact = false);
  JsonWriter& endArray();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(double x);
  JsonWriter& value(std::floating_point auto x) { return value(static_cast<double>(x)); }
  template <std::integral T>
  requires(!std::same_as<T, bool>) JsonWriter& value(T n) { return raw(std::to_string(n)); }
  JsonWriter& null() { return raw("null"); }
  // An array of numbers (compact).
  JsonWriter& value(const std::vector<double>& xs);

  // key(name).value(v)
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

 private:
  struct Level {
    bool object;
    bool compact;
    bool empty = true;
    bool keyPending = false;
  };
  JsonWriter& raw(std::string_view text);  // a scalar value, already JSON
  void beforeValue();
  void newline(size_t depth);
  JsonWriter& begin(bool object, bool compact);
  JsonWriter& end(bool object);

  std::ostream& out_;
  int indent_;
  std::vector<Level> stack_;
  bool done_ = false;  // the top-level value is complete
};

}  // namespace pdeinv
