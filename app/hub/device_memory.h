// The memory the model must fit into: the first GPU's (what the CUDA backend loads on) or, for the
// CPU backend, system RAM. Filled by a MemoryProbe (memory_probe.h); tests construct it directly.
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

}  // namespace fathom::app

Q_DECLARE_METATYPE(fathom::app::DeviceMemory)
