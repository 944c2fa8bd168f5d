// QuantRecommender: GB in the catalog are 1e9 bytes; device sizes are bytes.
#include "app/hub/quant_recommender.h"

#include <algorithm>

namespace fathom::app {

qint64 QuantRecommender::usableBytes(const DeviceMemory& memory)
{
    if (memory.kind == DeviceMemory::Kind::None || memory.totalBytes <= 0)
        return 0;
    const qint64 base = memory.freeBytes >= 0 ? std::min(memory.freeBytes, memory.totalBytes) : memory.totalBytes;
    const bool gpu = memory.kind == DeviceMemory::Kind::Gpu;
    const qint64 margin = gpu ? std::max<qint64>(500'000'000, memory.totalBytes / 20)
                              : std::max<qint64>(2'000'000'000, memory.totalBytes / 10);
    return std::max<qint64>(0, base - margin);
}

int QuantRecommender::recommend(const QList<CatalogGguf>& files, const DeviceMemory& memory)
{
    const qint64 usable = usableBytes(memory);
    int best = -1;
    for (int i = 0; i < files.size(); ++i) {
        const qint64 need = qint64(files[i].vramGB8k * 1e9);
        if (need <= usable && (best < 0 || files[i].vramGB8k > files[best].vramGB8k))
            best = i;
    }
    return best;
}

}  // namespace fathom::app
