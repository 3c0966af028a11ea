#include "pdeinv/io/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace pdeinv {

std::string jsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string jsonNumber(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  if (ec != std::errc()) return "null";
  return std::string(buf, end);
}

JsonWriter::JsonWriter(std::ostream& out, int indent) : out_(out), indent_(indent) {}

void JsonWriter::finish() {
  if (!stack_.empty()) throw std::logic_error("JsonWriter: unclosed object or array");
  out_ << '\n';
}

void JsonWriter::newline(size_t depth) {
  out_ << '\n' << std::string(depth * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::beforeValue() {
  if (stack_.empty()) {
    if (done_) throw std::logic_error("JsonWriter: more than one top-level value");
    return;
  }
  Level& l = stack_.back();
  if (l.object) {
    if (!l.keyPending) throw std::logic_error("JsonWriter: value in an object without a key");
    l.keyPending = false;
    return;
  }
  if (!l.empty) out_ << ',';
  if (l.compact) {
    if (!l.empty) out_ << ' ';
  } else {
    newline(stack_.size());
  }
  l.empty = false;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (stack_.empty() || !stack_.back().object || stack_.back().keyPending) {
    throw std::logic_error("JsonWriter: key '" + std::string(name) + "' outside an object");
  }
  Level& l = stack_.back();
  if (!l.empty) out_ << ',';
  if (l.compact) {
    if (!l.empty) out_ << ' ';
  } else {
    newline(stack_.size());
  }
  l.empty = false;
  l.keyPending = true;
  out_ << jsonString(name) << ": ";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view text) {
  beforeValue();
  out_ << text;
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin(bool object, bool compact) {
  beforeValue();
  const bool inCompact = !stack_.empty() && stack_.back().compact;
  stack_.push_back({object, compact || inCompact});
  out_ << (object ? '{' : '[');
  return *this;
}

JsonWriter& JsonWriter::beginObject(bool compact) {
  return begin(true, compact);
}

JsonWriter& JsonWriter::beginArray(bool compact) {
  return begin(false, compact);
}

JsonWriter& JsonWriter::end(bool object) {
  if (stack_.empty() || stack_.back().object != object || stack_.back().keyPending) {
    throw std::logic_error(object ? "JsonWriter: endObject without a matching beginObject"
                                  : "JsonWriter: endArray without a matching beginArray");
  }
  const Level l = stack_.back();
  stack_.pop_back();
  if (!l.empty && !l.compact) newline(stack_.size());
  out_ << (object ? '}' : ']');
  if (stack_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  return end(true);
}
JsonWriter& JsonWriter::endArray() {
  return end(false);
}

JsonWriter& JsonWriter::value(std::string_view s) {
  return raw(jsonString(s));
}
JsonWriter& JsonWriter::value(bool b) {
  return raw(b ? "true" : "false");
}
JsonWriter& JsonWriter::value(double x) {
  return raw(jsonNumber(x));
}

JsonWriter& JsonWriter::value(const std::vector<double>& xs) {
  beginArray(true);
  for (double x : xs) value(x);
  return endArray();
}

}  // namespace pdeinv
