// System RAM for the CPU backend, from /proc/meminfo (Linux is the platform Fathom ships on).
#pragma once

#include "app/hub/memory_probe.h"

#include <QByteArray>
#include <QString>

namespace fathom::app {

class SystemMemoryProbe final : public MemoryProbe {
public:
    explicit SystemMemoryProbe(QString meminfo = QStringLiteral("/proc/meminfo")) : m_meminfo(std::move(meminfo)) {}
    DeviceMemory probe() const override;
    // MemTotal and MemAvailable (kB) of a meminfo text; kind None when MemTotal is missing.
    static DeviceMemory parse(const QByteArray& meminfo);

private:
    QString m_meminfo;
};

}  // namespace fathom::app
