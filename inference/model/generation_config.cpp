// generation_config.json's eos_token_id (see generation_config.h).
#include "inference/model/generation_config.h"

#include "inference/model/json_file.h"

namespace fathom::inference {

std::vector<std::int32_t> generationEosTokens(const nlohmann::json& j, std::int64_t vocabSize)
{
    std::vector<std::int32_t> eos;
    if (!j.is_object())
        return eos;
    const auto it = j.find("eos_token_id");
    if (it == j.end())
        return eos;
    for (const nlohmann::json& v : it->is_array() ? *it : nlohmann::json::array({*it}))
        if (v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() < vocabSize)
            eos.push_back(static_cast<std::int32_t>(v.get<std::int64_t>()));
    return eos;
}

std::vector<std::int32_t> readGenerationEosTokens(const std::string& path, std::int64_t vocabSize)
{
    return generationEosTokens(readJsonFile(path, kGenerationConfigLimits), vocabSize);
}

}  // namespace fathom::inference
