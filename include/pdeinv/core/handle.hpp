#pragma once
// Owned<T>: unique ownership of a PETSc object (Vec, Mat, DM, KSP, ...). The destructor calls
// the matching XXXDestroy, so no raw Destroy call appears in pdeinv's logic.
//
//   Owned<Vec> v;
//   PDEINV_CALL(DMCreateGlobalVector(dm, v.out()));
//   VecSet(v, 1.0);          // converts to the raw handle where PETSc expects one
#include <petscdm.h>
#include <petscds.h>
#include <petscfe.h>
#include <petscksp.h>
#include <petscpartitioner.h>
#include <petscsection.h>
#include <petscsnes.h>
#include <petsctao.h>
#include <petscviewer.h>

#include <utility>

namespace pdeinv {

template <class T>
struct PetscDestroyer;

#define PDEINV_DESTROYER(Type, Fn)                    \
  template <>                                         \
  struct PetscDestroyer<Type> {                       \
    static void destroy(Type* obj) { (void)Fn(obj); } \
  }
PDEINV_DESTROYER(Vec, VecDestroy);
PDEINV_DESTROYER(Mat, MatDestroy);
PDEINV_DESTROYER(DM, DMDestroy);
PDEINV_DESTROYER(KSP, KSPDestroy);
PDEINV_DESTROYER(SNES, SNESDestroy);
PDEINV_DESTROYER(IS, ISDestroy);
PDEINV_DESTROYER(PetscFE, PetscFEDestroy);
PDEINV_DESTROYER(PetscSection, PetscSectionDestroy);
PDEINV_DESTROYER(PetscQuadrature, PetscQuadratureDestroy);
PDEINV_DESTROYER(PetscTabulation, PetscTabulationDestroy);
PDEINV_DESTROYER(PetscViewer, PetscViewerDestroy);
PDEINV_DESTROYER(VecScatter, VecScatterDestroy);
PDEINV_DESTROYER(PetscRandom, PetscRandomDestroy);
PDEINV_DESTROYER(Tao, TaoDestroy);
PDEINV_DESTROYER(PC, PCDestroy);
PDEINV_DESTROYER(PetscPartitioner, PetscPartitionerDestroy);
#undef PDEINV_DESTROYER

template <class T>
class Owned {
 public:
  Owned() = default;
  explicit Owned(T raw) : obj_(raw) {}
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Owned(Owned&& other) noexcept : obj_(std::exchange(other.obj_, nullptr)) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) {
      reset();
      obj_ = std::exchange(other.obj_, nullptr);
    }
    return *this;
  }
  ~Owned() { reset(); }

  // For PETSc's creation functions: releases what is held and returns the slot to fill.
  T* out() {
    reset();
    return &obj_;
  }
  T get() const { return obj_; }
  operator T() const { return obj_; }  // NOLINT: deliberate implicit use as the raw handle
  explicit operator bool() const { return obj_ != nullptr; }
  void reset() {
    if (obj_) PetscDestroyer<T>::destroy(&obj_);
    obj_ = nullptr;
  }
  // Takes an extra reference on a borrowed object (PetscObjectReference) and owns that.
  static Owned borrow(T raw) {
    if (raw) PetscObjectReference(reinterpret_cast<PetscObject>(raw));
    return Owned(raw);
  }

 private:
  T obj_ = nullptr;
};

// A value of any type kept on a PETSc object under a name, in a PetscContainer the object owns:
// it is freed with the object, or when something else is composed under that name. Both return
// PETSc's error code (so that PETSc callbacks can call them; PDEINV_CALL elsewhere).
template <class T>
PetscErrorCode composeValue(PetscObject obj, const char* name, T value, T** kept = nullptr) {
  PetscContainer c = nullptr;
  PetscFunctionBeginUser;
  PetscCall(PetscContainerCreate(PetscObjectComm(obj), &c));
  T* held = new T(std::move(value));
  PetscCall(PetscContainerSetPointer(c, held));
  PetscCall(PetscContainerSetUserDestroy(c, [](void* p) -> PetscErrorCode {
    delete static_cast<T*>(p);
    return 0;
  }));
  PetscCall(PetscObjectCompose(obj, name, reinterpret_cast<PetscObject>(c)));
  PetscCall(PetscContainerDestroy(&c));
  if (kept) *kept = held;
  PetscFunctionReturn(0);
}
// The value composeValue kept on obj under name, or null.
template <class T>
PetscErrorCode composedValue(PetscObject obj, const char* name, T** value) {
  PetscContainer c = nullptr;
  PetscFunctionBeginUser;
  *value = nullptr;
  PetscCall(PetscObjectQuery(obj, name, reinterpret_cast<PetscObject*>(&c)));
  if (c) {
    void* p = nullptr;
    PetscCall(PetscContainerGetPointer(c, &p));
    *value = static_cast<T*>(p);
  }
  PetscFunctionReturn(0);
}

}  // namespace pdeinv
