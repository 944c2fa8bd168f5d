// Is there a GPU this build can use? Asked once per process by the engine's backend choice; the
// answer (with its reason when no) is printed once, then the CPU backend runs.
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

// Probes device 0 once and caches the answer; when it is not usable, the reason goes to stderr once.
const DeviceInfo& probeDevice();

}  // namespace fathom::inference::cuda
