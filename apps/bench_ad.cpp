// bench_ad — forward-mode AD number types on pdeinv's pointwise residuals: pdeinv's own
// Dual<double, N> (fem/dual.hpp), Eigen's AutoDiffScalar<Matrix<double, N, 1>> and, when built
// with Trilinos Sacado (libtrilinos-sacado-dev), Sacado::Fad::SFad<double, N>, against the
// hand-written Jacobian kernel. Each evaluates ∂(f0, f1)/∂(u, ∇u) of a residual at 10⁶ random
// points (no assembly around it: the kernel's own cost), best of five.
//
//   build/apps/bench_ad
//
// Residuals: Poisson −∇·(e^m ∇u) (N = 3 derivatives in 2-D) and linear elasticity with
// E = e^m (N = 6 in 2-D, 12 in 3-D).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>

#include "pdeinv/physics/ad_operator.hpp"

#ifdef PDEINV_HAVE_SACADO
#include <Sacado_No_Kokkos.hpp>
#endif

namespace {
using pdeinv::PointArgs;

struct Poisson {
  static constexpr int components(int) { return 1; }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    using std::exp;
    f0[0] = -p.data[0][0];
    const T k = exp(p.m[0]);
    for (int d = 0; d < p.dim; ++d) f1[d] = k * p.grad_u[d];
  }
  // The hand-written g3 = e^m I.
  static void hand(int dim, const double* m, const double*, double* g3) {
    const double k = std::exp(m[0]);
    for (int d = 0; d < dim; ++d)
      for (int e = 0; e < dim; ++e) g3[d * dim + e] = d == e ? k : 0.0;
  }
};

struct Elasticity {
  static constexpr int components(int dim) { return dim; }
  template <class T>
  static void residual(const PointArgs<T>& p, T f0[], T f1[]) {
    using std::exp;
    const int dim = p.dim;
    const double lam = 0.6, mu = 0.4;
    const T s = exp(p.m[0]);
    T tr(0.0);
    for (int d = 0; d < dim; ++d) tr += p.grad_u[d * dim + d];
    for (int c = 0; c < dim; ++c) {
      f0[c] = -p.data[0][0];
      for (int d = 0; d < dim; ++d) {
        f1[c * dim + d] = s * (mu * (p.grad_u[c * dim + d] + p.grad_u[d * dim + c]));
        if (c == d) f1[c * dim + d] += s * (lam * tr);
      }
    }
  }
  static void hand(int dim, const double* m, const double*, double* g3) {
    const double s = std::exp(m[0]), lam = 0.6, mu = 0.4;
    for (int f = 0; f < dim; ++f)
      for (int g = 0; g < dim; ++g)
        for (int d = 0; d < dim; ++d)
          for (int e = 0; e < dim; ++e)
            g3[((f * dim + g) * dim + d) * dim + e] =
                s * (mu * ((f == g && d == e) + (f == e && d == g)) + lam * (f == d && g == e));
  }
};

// How each number type is seeded and read.
template <int N>
struct OwnDual {
  using T = pdeinv::Dual<double, N>;
  static T make(double v, int i) { return i < 0 ? T(v) : T(v, i); }
  static double d(const T& x, int i) { return x.d[i]; }
};
template <int N>
struct EigenAD {
  using V = Eigen::Matrix<double, N, 1>;
  using T = Eigen::AutoDiffScalar<V>;
  static T make(double v, int i) { return i < 0 ? T(v, V::Zero()) : T(v, N, i); }
  static double d(const T& x, int i) { return x.derivatives()[i]; }
};
#ifdef PDEINV_HAVE_SACADO
template <int N>
struct SacadoAD {
  using T = Sacado::Fad::SFad<double, N>;
  static T make(double v, int i) { return i < 0 ? T(v) : T(N, i, v); }
  static double d(const T& x, int i) { return x.dx(i); }
};
#endif

constexpr int kPoints = 1000000;

// ∂(f0, f1)/∂(u, ∇u) at kPoints points with number type AD; returns seconds (best of 5) and
// accumulates the derivatives into sum (so nothing is optimized away).
template <class Physics, int Dim, class AD>
double timeAd(const std::vector<double>& in, double& sum) {
  constexpr int Nc = Physics::components(Dim), N = Nc * (1 + Dim);
  using T = typename AD::T;
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    double acc = 0;
    for (int q = 0; q < kPoints; ++q) {
      const double* x = in.data() + static_cast<size_t>(q) * 16;
      T u[Nc], u_x[Nc * Dim], m[1], m_x[Dim], f0[Nc], f1[Nc * Dim];
      for (int c = 0; c < Nc; ++c) {
        u[c] = AD::make(x[c], c * (1 + Dim));
        for (int k = 0; k < Dim; ++k)
          u_x[c * Dim + k] = AD::make(x[3 + c * Dim + k], c * (1 + Dim) + 1 + k);
      }
      m[0] = AD::make(x[12], -1);
      for (int k = 0; k < Dim; ++k) m_x[k] = AD::make(x[13 + k], -1);
      const double data0 = x[15];
      const double* data[1] = {&data0};
      PointArgs<T> p;
      p.dim = Dim, p.u = u, p.grad_u = u_x, p.m = m, p.grad_m = m_x, p.data = data;
      Physics::residual(p, f0, f1);
      for (int i = 0; i < Nc * Dim; ++i)
        for (int b = 0; b < N; ++b) acc += AD::d(f1[i], b);
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sum += acc;
    best = std::min(best, dt);
  }
  return best;
}

template <class Physics, int Dim>
double timeHand(const std::vector<double>& in, double& sum) {
  constexpr int Nc = Physics::components(Dim);
  double best = 1e300;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    double acc = 0, g3[Nc * Nc * Dim * Dim];
    for (int q = 0; q < kPoints; ++q) {
      const double* x = in.data() + static_cast<size_t>(q) * 16;
      Physics::hand(Dim, x + 12, x, g3);
      for (double v : g3) acc += v;
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sum += acc;
    best = std::min(best, dt);
  }
  return best;
}

template <class Physics, int Dim>
void row(const char* name, const std::vector<double>& in) {
  constexpr int N = Physics::components(Dim) * (1 + Dim);
  double sum = 0;
  const double hand = timeHand<Physics, Dim>(in, sum);
  const double own = timeAd<Physics, Dim, OwnDual<N>>(in, sum);
  const double eig = timeAd<Physics, Dim, EigenAD<N>>(in, sum);
#ifdef PDEINV_HAVE_SACADO
  const double sac = timeAd<Physics, Dim, SacadoAD<N>>(in, sum);
  std::printf("| %s | %d | %.1f | %.1f | %.1f | %.1f |\n", name, N, 1e9 * hand / kPoints,
              1e9 * own / kPoints, 1e9 * eig / kPoints, 1e9 * sac / kPoints);
#else
  std::printf("| %s | %d | %.1f | %.1f | %.1f | (not built) |\n", name, N, 1e9 * hand / kPoints,
              1e9 * own / kPoints, 1e9 * eig / kPoints);
#endif
  if (sum == 0.123456789) std::printf("%g\n", sum);  // keeps the sums alive
}

}  // namespace

int main() {
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> U(0.5, 1.5);
  std::vector<double> in(static_cast<size_t>(kPoints) * 16);
  for (auto& v : in) v = U(gen);
  std::printf("ns per point: a hand-written Jacobian kernel, and ∂(f0, f1)/∂(u, ∇u) by AD\n\n");
  std::printf(
      "| residual | N | hand kernel | pdeinv Dual | Eigen AutoDiffScalar | Sacado SFad |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  row<Poisson, 2>("Poisson 2-D", in);
  row<Poisson, 3>("Poisson 3-D", in);
  row<Elasticity, 2>("elasticity 2-D", in);
  row<Elasticity, 3>("elasticity 3-D", in);
  return 0;
}
