// The memory the model must fit into: the first GPU's (what the CUDA backend loads on) or, for the
// CPU backend, system RAM. Filled by a MemoryProbe; tests construct it directly.
#pragma once

#include <QMetaType>
#include <QString>

namespace fathom::app {

struct DeviceMemory {
    enum class Kind { None, Gpu, Cpu };  // None: not probed yet
    Kind kind = Kind::None;
    QString name;          // "NVIDIA H200", or "system memory"
    qint64 totalBytes = 0;
    qint64 freeBytes = -1;  // -1 = unknown (then total is what is judged)
};

// Finds the device memory. Behind an interface so the model manager's tests inject a GPU size.
class MemoryProbe {
public:
    virtual ~MemoryProbe() = default;
    virtual DeviceMemory probe() const = 0;  // may block briefly (runs a tool): call off the GUI thread
};

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::DeviceMemory)
