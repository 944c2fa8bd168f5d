// The shard index of a sharded safetensors model (see shard_index.h).
#include "inference/model/shard_index.h"

#include "inference/model/json_file.h"
#include "base/error.h"

namespace fathom::inference {

namespace {

// Shard names come from a downloaded file: they must stay inside the model folder.
void checkShardName(const std::string& index, const std::string& tensor, const std::string& shard)
{
    const std::string where = " (listed for tensor " + tensor + ")";
    if (shard.empty())
        throwFileError(index, "shard name is empty" + where);
    if (shard.find('\0') != std::string::npos)
        throwFileError(index, "shard name contains a NUL byte" + where);
    if (shard.front() == '/' || shard.front() == '\\' || (shard.size() > 1 && shard[1] == ':'))
        throwFileError(index, "shard \"" + shard + "\" is an absolute path" + where + "; shards must be in the model folder");
    std::size_t start = 0;
    while (start <= shard.size()) {
        std::size_t end = shard.find_first_of("/\\", start);
        if (end == std::string::npos)
            end = shard.size();
        if (shard.compare(start, end - start, "..") == 0)
            throwFileError(index, "shard \"" + shard + "\" contains \"..\"" + where + "; shards must be in the model folder");
        start = end + 1;
    }
}

ShardIndex fromJson(const nlohmann::json& j, const std::string& index)
{
    if (!j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
        throwFileError(index, "must be a JSON object with a \"weight_map\" object");
    const auto& map = j.at("weight_map");
    if (map.empty())
        throwFileError(index, "\"weight_map\" lists no tensors");
    ShardIndex out;
    for (const auto& [tensor, shard] : map.items()) {
        if (!shard.is_string())
            throwFileError(index, "\"weight_map\" entry for tensor " + tensor + " must be a file name string");
        const auto& name = shard.get_ref<const std::string&>();
        checkShardName(index, tensor, name);
        out.shardOf[tensor] = name;
        out.byShard[name].push_back(tensor);
    }
    return out;
}

}  // namespace

ShardIndex parseShardIndex(std::string_view text, const std::string& source)
{
    return fromJson(parseJsonText(text, source, kShardIndexLimits.maxValues), source);
}

ShardIndex readShardIndex(const std::string& path)
{
    return fromJson(readJsonFile(path, kShardIndexLimits), path);
}

}  // namespace fathom::inference
