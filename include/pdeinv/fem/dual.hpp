#pragma once
// Dual<V, N>: a forward-mode automatic-differentiation number, a value of type V and N
// derivatives of type V, all in fixed-size storage (no allocation, loops of known length that
// the compiler unrolls). V is double for first derivatives and Dual<double, M> for second
// derivatives (forward over forward), which is how pdeinv's AD operators get g0–g3, ∂R/∂m and
// the Newton Hessian's second-order terms from a residual written once (physics/ad_operator.hpp).
//
// Why pdeinv's own: measured against Eigen's AutoDiffScalar<Matrix<double, N, 1>> and Trilinos
// Sacado's SFad<double, N> on pointwise Jacobians (apps/bench_ad.cpp, table in
// docs/extending.md): it ties Eigen's on Poisson, is faster on 3-D elasticity and slower on
// 2-D elasticity, and Sacado's is 2–3× slower than both; it has no dependency, and the nested
// (second-order) type is the same template.
//
// Functions of a Dual apply the chain rule: f(a + ε·d) = f(a) + ε·f'(a)·d. Comparisons compare
// values (branches on the value are differentiated piecewise, as any AD tool does).
#include <cmath>

namespace pdeinv {

// A residual template calls exp(·) unqualified for T = double and T = Dual alike.
using std::abs;
using std::cos;
using std::exp;
using std::log;
using std::pow;
using std::sin;
using std::sqrt;
using std::tanh;

template <class V, int N>
struct Dual {
  V v;
  V d[N];

  [[gnu::always_inline]] Dual() : v(), d() {}
  [[gnu::always_inline]] Dual(double value)
      : v(value), d() {}  // NOLINT: a constant converts implicitly (any AD tool)
  Dual(const V& value, int seed) : v(value), d() {
    if constexpr (N > 0) d[seed] = V(1.0);
  }
  // Uninitialized, for the operators below that write every entry.
  struct Raw {};
  [[gnu::always_inline]] explicit Dual(Raw) {}

  [[gnu::always_inline]] Dual& operator+=(const Dual& b) {
    v += b.v;
    for (int i = 0; i < N; ++i) d[i] += b.d[i];
    return *this;
  }
  [[gnu::always_inline]] Dual& operator-=(const Dual& b) {
    v -= b.v;
    for (int i = 0; i < N; ++i) d[i] -= b.d[i];
    return *this;
  }
  [[gnu::always_inline]] Dual& operator*=(const Dual& b) {
    for (int i = 0; i < N; ++i) d[i] = d[i] * b.v + v * b.d[i];
    v *= b.v;
    return *this;
  }
  [[gnu::always_inline]] Dual& operator/=(const Dual& b) {
    const V inv = V(1.0) / b.v;
    v *= inv;
    for (int i = 0; i < N; ++i) d[i] = (d[i] - v * b.d[i]) * inv;
    return *this;
  }
  [[gnu::always_inline]] Dual& operator*=(double s) {
    v *= s;
    for (int i = 0; i < N; ++i) d[i] *= s;
    return *this;
  }
};

// The value of a (nested) dual: the double at its core.
inline double valueOf(double a) {
  return a;
}
template <class V, int N>
double valueOf(const Dual<V, N>& a) {
  return valueOf(a.v);
}

// Binary operations write every entry of a fresh result (no zeroing, no copy of an operand).
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator+(const Dual<V, N>& a, const Dual<V, N>& b) {
  Dual<V, N> r{typename Dual<V, N>::Raw{}};
  r.v = a.v + b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] + b.d[i];
  return r;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator-(const Dual<V, N>& a, const Dual<V, N>& b) {
  Dual<V, N> r{typename Dual<V, N>::Raw{}};
  r.v = a.v - b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] - b.d[i];
  return r;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator*(const Dual<V, N>& a, const Dual<V, N>& b) {
  Dual<V, N> r{typename Dual<V, N>::Raw{}};
  r.v = a.v * b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b.v + a.v * b.d[i];
  return r;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator/(Dual<V, N> a, const Dual<V, N>& b) {
  return a /= b;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator-(const Dual<V, N>& a) {
  Dual<V, N> r{typename Dual<V, N>::Raw{}};
  r.v = -a.v;
  for (int i = 0; i < N; ++i) r.d[i] = -a.d[i];
  return r;
}
// Mixed with plain numbers (the constant has no derivatives).
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator+(Dual<V, N> a, double b) {
  a.v += b;
  return a;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator+(double b, Dual<V, N> a) {
  a.v += b;
  return a;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator-(Dual<V, N> a, double b) {
  a.v -= b;
  return a;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator-(double b, const Dual<V, N>& a) {
  return -a + b;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator*(const Dual<V, N>& a, double b) {
  Dual<V, N> r{typename Dual<V, N>::Raw{}};
  r.v = a.v * b;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b;
  return r;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator*(double b, const Dual<V, N>& a) {
  return a * b;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator/(Dual<V, N> a, double b) {
  return a *= 1.0 / b;
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> operator/(double b, const Dual<V, N>& a) {
  return Dual<V, N>(b) / a;
}
template <class V, int N>
[[gnu::always_inline]] inline bool operator<(const Dual<V, N>& a, const Dual<V, N>& b) {
  return valueOf(a) < valueOf(b);
}
template <class V, int N>
[[gnu::always_inline]] inline bool operator>(const Dual<V, N>& a, const Dual<V, N>& b) {
  return valueOf(a) > valueOf(b);
}
template <class V, int N>
[[gnu::always_inline]] inline bool operator<(const Dual<V, N>& a, double b) {
  return valueOf(a) < b;
}
template <class V, int N>
[[gnu::always_inline]] inline bool operator>(const Dual<V, N>& a, double b) {
  return valueOf(a) > b;
}

// f(a) with f(a.v) = fv and f'(a.v) = dfv: the chain rule on every derivative.
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> chain(const Dual<V, N>& a, const V& fv, const V& dfv) {
  Dual<V, N> r{typename Dual<V, N>::Raw{}};
  r.v = fv;
  for (int i = 0; i < N; ++i) r.d[i] = dfv * a.d[i];
  return r;
}

template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> exp(const Dual<V, N>& a) {
  using std::exp;
  const V e = exp(a.v);
  return chain(a, e, e);
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> log(const Dual<V, N>& a) {
  using std::log;
  return chain(a, log(a.v), V(1.0) / a.v);
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> sqrt(const Dual<V, N>& a) {
  using std::sqrt;
  const V s = sqrt(a.v);
  return chain(a, s, V(0.5) / s);
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> pow(const Dual<V, N>& a, double p) {
  using std::pow;
  return chain(a, pow(a.v, p), p * pow(a.v, p - 1.0));
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> sin(const Dual<V, N>& a) {
  using std::cos;
  using std::sin;
  return chain(a, sin(a.v), cos(a.v));
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> cos(const Dual<V, N>& a) {
  using std::cos;
  using std::sin;
  return chain(a, cos(a.v), -sin(a.v));
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> tanh(const Dual<V, N>& a) {
  using std::tanh;
  const V t = tanh(a.v);
  return chain(a, t, V(1.0) - t * t);
}
template <class V, int N>
[[gnu::always_inline]] inline Dual<V, N> abs(const Dual<V, N>& a) {
  return valueOf(a) < 0 ? -a : a;
}

}  // namespace pdeinv
