// Is there a GPU this build can use? Asked once per process by the engine's backend choice; when
// not, the reason is reported once, in the loaded model's backend name, and the CPU backend runs.
#pragma once

#include <cstddef>
#include <string>

namespace fathom::inference::cuda {

struct DeviceInfo {
    bool usable = false;
    std::string reason;  // why not, when !usable ("no NVIDIA driver found", ...)
    std::string name;    // "NVIDIA H200"
    std::size_t totalBytes = 0, freeBytes = 0;
    int multiprocessors = 0;
    int computeMajor = 0, computeMinor = 0;
};

// Probes device 0 once and caches the answer (nothing is printed: stdout/stderr belong to the app).
const DeviceInfo& probeDevice();

}  // namespace fathom::inference::cuda
