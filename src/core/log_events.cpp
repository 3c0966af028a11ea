#include "pdeinv/core/log_events.hpp"

#include <sys/resource.h>

#include <array>

#include "pdeinv/core/error.hpp"

namespace pdeinv {
namespace {

constexpr std::array<const char*, static_cast<size_t>(Phase::Count)> kNames = {
    "pdeinvForward",      "pdeinvAdjoint",     "pdeinvTangent",     "pdeinvIncAdjoint",
    "pdeinvHessAction",   "pdeinvAsmResidual", "pdeinvAsmJacobian", "pdeinvAsmParamJac",
    "pdeinvAsmSecondOrd", "pdeinvObservation", "pdeinvPrior",       "pdeinvEigensolver",
    "pdeinvAsmResJac"};

struct Events {
  PetscClassId classId = 0;
  std::array<PetscLogEvent, static_cast<size_t>(Phase::Count)> ids{};
  Events() {
    PDEINV_CALL(PetscClassIdRegister("pdeinv", &classId));
    for (size_t i = 0; i < kNames.size(); ++i)
      PDEINV_CALL(PetscLogEventRegister(kNames[i], classId, &ids[i]));
  }
};

// PetscFinalize forgets every event; a program that initializes PETSc again (the tests do)
// registers them again.
Events* registered = nullptr;

PetscErrorCode forgetEvents() {
  delete registered;
  registered = nullptr;
  return 0;
}

Events& events() {
  if (!registered) {
    registered = new Events();
    PDEINV_CALL(PetscRegisterFinalize(forgetEvents));
  }
  return *registered;
}

}  // namespace

PetscLogEvent logEvent(Phase phase) {
  return events().ids.at(static_cast<size_t>(phase));
}

LogStage::LogStage(const char* name) {
  PetscLogStage stage = -1;
  // PetscLogStageGetId reports -1 for a name not registered yet (3.18).
  PDEINV_CALL(PetscLogStageGetId(name, &stage));
  if (stage < 0) PDEINV_CALL(PetscLogStageRegister(name, &stage));
  PDEINV_CALL(PetscLogStagePush(stage));
}

void startEventLogging() {
  PDEINV_CALL(PetscLogDefaultBegin());
}

std::vector<PhaseTime> phaseTimes(MPI_Comm comm, const char* stageName) {
  PetscLogStage stage = 0;
  if (stageName) PDEINV_CALL(PetscLogStageGetId(stageName, &stage));
  std::vector<std::string> names(kNames.begin(), kNames.end());
  for (const char* petsc : {"MatCholFctrNum", "MatLUFactorNum", "MatSolve", "KSPSolve"})
    names.emplace_back(petsc);
  std::vector<PhaseTime> out;
  for (const auto& name : names) {
    PetscLogEvent id = -1;
    PetscEventPerfInfo info{};
    if (PetscLogEventGetId(name.c_str(), &id) == 0 && id >= 0) {
      if (stage < 0 || PetscLogEventGetPerfInfo(stage, id, &info) != 0) info = PetscEventPerfInfo{};
    }
    double t = info.time;
    long long n = info.count;
    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm);
    MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_LONG_LONG, MPI_MAX, comm);
    out.push_back({name, t, n});
  }
  return out;
}

double peakMemoryMB(MPI_Comm comm) {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  double mb = static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KB on Linux
  MPI_Allreduce(MPI_IN_PLACE, &mb, 1, MPI_DOUBLE, MPI_MAX, comm);
  return mb;
}

}  // namespace pdeinv
