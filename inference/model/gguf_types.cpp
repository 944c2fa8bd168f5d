// The ggml type table: ids, block sizes and bytes as ggml defines them (ggml.h, ggml-common.h).
#include "inference/model/gguf_types.h"

#include <array>

namespace fathom::inference {

namespace {

constexpr std::int64_t QK_K = 256;

struct Row {
    std::uint32_t id;
    GgmlTypeInfo info;
};

const std::array<Row, 36>& table()
{
    static const std::array<Row, 36> rows = {{
        {0, {"F32", 1, 4, DType::F32}},
        {1, {"F16", 1, 2, DType::F16}},
        {2, {"Q4_0", 32, 2 + 16, DType::Q4_0}},
        {3, {"Q4_1", 32, 2 + 2 + 16, DType::Q4_1}},
        {6, {"Q5_0", 32, 2 + 4 + 16, DType::Q5_0}},
        {7, {"Q5_1", 32, 2 + 2 + 4 + 16, DType::Q5_1}},
        {8, {"Q8_0", 32, 2 + 32, DType::Q8_0}},
        {9, {"Q8_1", 32, 4 + 32, std::nullopt}},
        {10, {"Q2_K", QK_K, 2 + 2 + QK_K / 16 + QK_K / 4, std::nullopt}},
        {11, {"Q3_K", QK_K, 2 + QK_K / 4 + QK_K / 8 + 12, std::nullopt}},
        {12, {"Q4_K", QK_K, 2 + 2 + QK_K / 2 + 12, DType::Q4_K}},
        {13, {"Q5_K", QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12, DType::Q5_K}},
        {14, {"Q6_K", QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16, DType::Q6_K}},
        {15, {"Q8_K", QK_K, 4 + QK_K + QK_K / 8, std::nullopt}},
        {16, {"IQ2_XXS", QK_K, 2 + QK_K / 4, std::nullopt}},
        {17, {"IQ2_XS", QK_K, 2 + QK_K / 4 + QK_K / 32, std::nullopt}},
        {18, {"IQ3_XXS", QK_K, 2 + QK_K / 4 + QK_K / 8, std::nullopt}},
        {19, {"IQ1_S", QK_K, 2 + QK_K / 8 + QK_K / 16, std::nullopt}},
        {20, {"IQ4_NL", 32, 2 + 16, std::nullopt}},
        {21, {"IQ3_S", QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4, std::nullopt}},
        {22, {"IQ2_S", QK_K, 2 + QK_K / 4 + QK_K / 16, std::nullopt}},
        {23, {"IQ4_XS", QK_K, 2 + 2 + QK_K / 2 + QK_K / 64, std::nullopt}},
        {24, {"I8", 1, 1, std::nullopt}},
        {25, {"I16", 1, 2, std::nullopt}},
        {26, {"I32", 1, 4, std::nullopt}},
        {27, {"I64", 1, 8, std::nullopt}},
        {28, {"F64", 1, 8, std::nullopt}},
        {29, {"IQ1_M", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32, std::nullopt}},
        {30, {"BF16", 1, 2, DType::BF16}},
        {34, {"TQ1_0", QK_K, 2 + 4 * 13, std::nullopt}},
        {35, {"TQ2_0", QK_K, 2 + 64, std::nullopt}},
        {39, {"MXFP4", 32, 1 + 16, std::nullopt}},
        {40, {"NVFP4", 64, 4 + 32, std::nullopt}},
        {41, {"Q1_0", 128, 2 + 16, std::nullopt}},
        {42, {"Q2_0", 64, 2 + 16, std::nullopt}},
        {~0u, {"", 0, 0, std::nullopt}},  // sentinel: keeps the array size honest when rows are added
    }};
    return rows;
}

}  // namespace

const GgmlTypeInfo* ggmlTypeInfo(std::uint32_t id)
{
    for (const Row& r : table())
        if (r.id == id && r.info.blockElements > 0)
            return &r.info;
    return nullptr;
}

std::string supportedGgmlTypes()
{
    std::string out;
    for (const Row& r : table())
        if (r.info.dtype)
            out += (out.empty() ? "" : ", ") + std::string(r.info.name);
    return out;
}

}  // namespace fathom::inference
