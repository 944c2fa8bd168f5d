// NvidiaSmiProbe: one short QProcess with a timeout; a hung driver must not hang the model manager.
#include "app/hub/nvidia_smi_probe.h"

#include "app/hub/system_memory_probe.h"

#include <QLoggingCategory>
#include <QProcess>
#include <QStringList>

namespace fathom::app {

Q_LOGGING_CATEGORY(lcMemoryProbe, "fathom.hub.memory")

DeviceMemory NvidiaSmiProbe::parse(const QByteArray& csv)
{
    const QList<QByteArray> lines = csv.trimmed().split('\n');
    if (lines.isEmpty())
        return {};
    const QList<QByteArray> cols = lines.first().split(',');
    if (cols.size() < 2)
        return {};
    bool okTotal = false, okFree = false;
    const qint64 totalMiB = cols.at(1).trimmed().toLongLong(&okTotal);
    const qint64 freeMiB = cols.size() > 2 ? cols.at(2).trimmed().toLongLong(&okFree) : -1;
    if (!okTotal || totalMiB <= 0)
        return {};
    DeviceMemory m;
    m.kind = DeviceMemory::Kind::Gpu;
    m.name = QString::fromUtf8(cols.at(0).trimmed());
    m.totalBytes = totalMiB << 20;
    m.freeBytes = okFree && freeMiB >= 0 ? freeMiB << 20 : -1;
    return m;
}

DeviceMemory NvidiaSmiProbe::probe() const
{
    QProcess p;
    p.start(m_program, {QStringLiteral("--query-gpu=name,memory.total,memory.free"),
                        QStringLiteral("--format=csv,noheader,nounits")});
    if (!p.waitForStarted(m_timeoutMs)) {
        qCInfo(lcMemoryProbe) << m_program << "not available:" << p.errorString() << "- judging by system memory";
        return SystemMemoryProbe().probe();
    }
    if (!p.waitForFinished(m_timeoutMs)) {
        p.kill();
        p.waitForFinished(500);
        qCWarning(lcMemoryProbe) << m_program << "did not answer in" << m_timeoutMs << "ms - judging by system memory";
        return SystemMemoryProbe().probe();
    }
    const DeviceMemory gpu = p.exitCode() == 0 ? parse(p.readAllStandardOutput()) : DeviceMemory{};
    if (gpu.kind != DeviceMemory::Kind::Gpu) {
        qCInfo(lcMemoryProbe) << m_program << "reported no GPU (exit" << p.exitCode() << ") - judging by system memory";
        return SystemMemoryProbe().probe();
    }
    return gpu;
}

}  // namespace fathom::app
