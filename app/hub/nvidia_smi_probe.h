// GPU memory from `nvidia-smi`: the app must not link CUDA, and the backend plugin's ABI exposes a
// device count but not memory, so the driver's own tool is asked. No tool or no GPU -> system RAM.
#pragma once

#include "app/hub/memory_probe.h"

#include <QByteArray>
#include <QString>

namespace fathom::app {

class NvidiaSmiProbe final : public MemoryProbe {
public:
    explicit NvidiaSmiProbe(QString program = QStringLiteral("nvidia-smi"), int timeoutMs = 3000)
        : m_program(std::move(program)), m_timeoutMs(timeoutMs) {}

    // The first GPU, else SystemMemoryProbe's answer.
    DeviceMemory probe() const override;
    // Output of --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits (MiB):
    // the first line's GPU; kind None when the text does not parse.
    static DeviceMemory parse(const QByteArray& csv);

private:
    QString m_program;
    int m_timeoutMs;
};

}  // namespace fathom::app
