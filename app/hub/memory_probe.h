// Finds the device memory the quant recommendation is judged by. An interface so the model
// manager's tests inject a GPU size instead of asking this machine.
#pragma once

#include "app/hub/device_memory.h"

namespace fathom::app {

class MemoryProbe {
public:
    virtual ~MemoryProbe() = default;
    virtual DeviceMemory probe() const = 0;  // may block briefly (runs a tool): call off the GUI thread
};

}  // namespace fathom::app
