// Which GGUF quantization of a catalog model to suggest: the largest whose 8k-context footprint
// fits the device with a margin. Pure (no probing), so it is tested on given memory sizes.
#pragma once

#include "app/hub/device_memory.h"
#include "app/hub/model_catalog.h"

#include <QList>

namespace fathom::app {

class QuantRecommender final {
public:
    // Bytes a model may take: free (else total) memory less a margin. GPU: max(0.5 GB, 5% of total)
    // for the driver, the desktop and other programs; CPU: max(2 GB, 10%) for the OS and other apps.
    static qint64 usableBytes(const DeviceMemory& memory);
    // Index into `files` (any order) of the largest vramGB8k that fits usableBytes; -1 when none does
    // or the memory is unknown.
    static int recommend(const QList<CatalogGguf>& files, const DeviceMemory& memory);
};

}  // namespace fathom::app
