// model.safetensors.index.json: which shard file holds each tensor of a sharded model. Parsed and
// checked here (bounded size and depth, shard names that stay inside the model folder) before the
// WeightStore opens any shard; pure text in, map out, so the fuzzer drives it directly.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fathom::inference {

struct ShardIndex {
    std::map<std::string, std::string> shardOf;                // tensor -> shard file name
    std::map<std::string, std::vector<std::string>> byShard;   // shard -> its tensors, index order
};

// Throws fathom::Error "SOURCE: problem" unless the text is a JSON object with a non-empty
// "weight_map" object of string file names that are relative, NUL-free and without "..".
ShardIndex parseShardIndex(std::string_view text, const std::string& source);

// Reads the file under kShardIndexLimits (json_file.h) and parses it as above.
ShardIndex readShardIndex(const std::string& path);

}  // namespace fathom::inference
