// KvCache: storage grows with the tokens actually held (a 4k-token V2-Lite cache is 255 MB in fp32).
#include "inference/model/kv_cache.h"

#include "base/error.h"

#include <string>

namespace fathom::inference {

KvCache::KvCache(std::int64_t numLayers, std::int64_t rowWidth, std::int64_t capacity)
    : m_rowWidth(rowWidth), m_capacity(capacity), m_layers(static_cast<std::size_t>(numLayers))
{
    if (numLayers <= 0 || rowWidth <= 0 || capacity <= 0)
        throwInternalError("KvCache needs positive layers, row width and capacity");
}

void KvCache::truncate(std::int64_t n)
{
    if (n < 0 || n > size())
        throwInternalError("KvCache::truncate(" + std::to_string(n) + ") but it holds " + std::to_string(size()));
    m_tokens.resize(static_cast<std::size_t>(n));
    for (std::vector<float>& l : m_layers)
        l.resize(static_cast<std::size_t>(n * m_rowWidth));
}

void KvCache::append(const std::int32_t* tokens, std::int64_t count)
{
    const std::int64_t next = size() + count;
    if (next > m_capacity)
        throw Error(ErrorKind::Resource, "context is full: " + std::to_string(next) + " tokens needed but the context "
                                         "holds " + std::to_string(m_capacity));
    m_tokens.insert(m_tokens.end(), tokens, tokens + count);
    for (std::vector<float>& l : m_layers)
        l.resize(static_cast<std::size_t>(next * m_rowWidth));
}

}  // namespace fathom::inference
