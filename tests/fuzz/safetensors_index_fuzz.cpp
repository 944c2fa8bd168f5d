// libFuzzer target: arbitrary bytes as model.safetensors.index.json. Must end in an index whose
// every shard name stays inside the model folder, or in fathom::Error.
#include "inference/model/shard_index.h"

#include "base/error.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace fathom::inference;
    try {
        const ShardIndex index = parseShardIndex(std::string_view(reinterpret_cast<const char*>(data), size),
                                                 "model.safetensors.index.json");
        for (const auto& [tensor, shard] : index.shardOf)
            if (shard.empty() || shard.front() == '/' || shard.find('\0') != std::string::npos ||
                shard == ".." || shard.rfind("../", 0) == 0 || shard.find("/../") != std::string::npos ||
                !index.byShard.count(shard))
                std::abort();
    } catch (const fathom::Error&) {
    }
    return 0;
}
