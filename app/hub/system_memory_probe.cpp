// SystemMemoryProbe: MemAvailable, not MemFree, is what can be had without swapping (page cache counts).
#include "app/hub/system_memory_probe.h"

#include <QFile>

namespace fathom::app {

DeviceMemory SystemMemoryProbe::parse(const QByteArray& meminfo)
{
    DeviceMemory m;
    for (const QByteArray& line : meminfo.split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() < 2)
            continue;
        bool ok = false;
        const qint64 kB = parts.at(1).toLongLong(&ok);
        if (!ok)
            continue;
        if (parts.at(0) == "MemTotal:")
            m.totalBytes = kB * 1024;
        else if (parts.at(0) == "MemAvailable:")
            m.freeBytes = kB * 1024;
    }
    if (m.totalBytes <= 0)
        return {};
    m.kind = DeviceMemory::Kind::Cpu;
    m.name = QStringLiteral("system memory");
    return m;
}

DeviceMemory SystemMemoryProbe::probe() const
{
    QFile f(m_meminfo);
    // /proc files report size 0: read what there is rather than trusting size().
    return f.open(QIODevice::ReadOnly) ? parse(f.read(1 << 16)) : DeviceMemory{};
}

}  // namespace fathom::app
