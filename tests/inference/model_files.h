// Test helpers for model loading: temp folders, safetensors writers (valid and deliberately broken), and
// config.json documents shaped like the real DeepSeek models (docs/ARCHITECTURE.md, 'Model shapes') or
// tiny versions.
#pragma once

#include "inference/model/tensor.h"
#include "inference/model/weight_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fathom::test {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

struct TensorData {
    std::string name;
    inference::DType dtype = inference::DType::F32;
    std::vector<std::int64_t> shape;
    std::vector<float> values;  // converted to dtype when written
};

void writeBytes(const std::string& path, const std::string& bytes);
// 8-byte little-endian length (headerLength, or the header's size) + header + `dataBytes` zero bytes.
// With `pad` the header is padded with spaces to a multiple of 8 first, so tensors are aligned.
void writeRawSafetensors(const std::string& path, const std::string& header, std::size_t dataBytes,
                         std::optional<std::uint64_t> headerLength = std::nullopt, bool pad = true);
// A valid file: header padded with spaces to a multiple of 8 (as the reference writer does).
void writeSafetensors(const std::string& path, const std::vector<TensorData>& tensors,
                      const nlohmann::json& metadata = nullptr);
// A valid file holding the given views' bytes (e.g. from WeightStore::synthetic), in the given order.
void writeViews(const std::string& path, const std::vector<const inference::TensorView*>& views);
// Writes `store` as config.json + model.safetensors (shards == 1) or an index + `shards` files.
void writeModelFolder(const std::string& dir, const nlohmann::json& config, const inference::WeightStore& store,
                      int shards);

// config.json documents.
nlohmann::json v2LiteConfig();  // DeepSeek-V2-Lite (hub values)
nlohmann::json v2Config();      // DeepSeek-V2 236B
nlohmann::json v3Config();      // DeepSeek-V3 671B
nlohmann::json tinyV2Config();  // V2-Lite layout at toy size: q_proj, greedy, softmax, 1 dense + 2 MoE layers
nlohmann::json tinyV3Config();  // V3 layout at toy size: q_lora, noaux_tc, sigmoid, grouped experts

// Runs `f`, expecting a fathom::Error; returns its message ("" and a test failure if none is thrown).
template <class F>
std::string errorOf(F&& f);

}  // namespace fathom::test

#include "base/error.h"

#include <gtest/gtest.h>

template <class F>
std::string fathom::test::errorOf(F&& f)
{
    try {
        f();
    } catch (const fathom::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a fathom::Error";
    return {};
}
