// The device block decoders of kernels/qblocks.cuh, compiled for the host and checked bit for bit
// against the CPU dequantization (inference/model/quant.h) on random valid blocks of every type:
// the layouts and the unfused float steps are pinned without a GPU (CPU only, no label). Also the
// shared pieces of kernels/qblock_core.cuh under a plain C++ compiler, which both decoders use.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "inference/model/quant.h"
#include "inference/model/quant_k_scales.h"
#include "kernels/qblocks.cuh"
#include "tests/gpu/qmatrix_gpu_util.h"

using namespace fathom;
using fathom::kernels::WType;

namespace {

template <WType T>
void expectDecoderMatchesTwin(int rows, int cols, std::uint64_t seed)
{
    const gputest::HostQMatrix m = gputest::randomQMatrix(T, rows, cols, seed);
    long long bad = 0;
    std::string first;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; c += 8) {
            typename kernels::qblocks::Chunk<T>::type q;
            q.load(m.bytes.data() + r * m.row_bytes, c);
            float w[8];
            q.decode(w);
            for (int i = 0; i < 8; ++i) {
                const float want = m.values[static_cast<std::size_t>(r) * cols + c + i];
                std::uint32_t a, b;
                std::memcpy(&a, &w[i], 4);
                std::memcpy(&b, &want, 4);
                if (a != b && bad++ == 0)
                    first = "row " + std::to_string(r) + " col " + std::to_string(c + i) + ": " + std::to_string(w[i]) +
                            " vs " + std::to_string(want);
            }
        }
    EXPECT_EQ(bad, 0) << kernels::wtypeName(T) << " first difference at " << first << " (seed " << seed << ")";

    // The 16-element loader of qmoe_gemm.cuh (Q4_K's shares one header read) gives the same values.
    long long bad16 = 0;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c + 16 <= cols; c += 16) {
            typename kernels::qblocks::Chunk16<T>::type q;
            q.load(m.bytes.data() + r * m.row_bytes, c);
            float lo[8], hi[8];
            q.decode(lo, hi);
            for (int i = 0; i < 16; ++i) {
                const float got = i < 8 ? lo[i] : hi[i - 8];
                const float want = m.values[static_cast<std::size_t>(r) * cols + c + i];
                bad16 += std::memcmp(&got, &want, 4) != 0;
            }
        }
    EXPECT_EQ(bad16, 0) << kernels::wtypeName(T) << " (16-element loader, seed " << seed << ")";
}

}  // namespace

TEST(QBlocks, everyDecoderEqualsTheCpuDequantizationBitForBit)
{
    const std::uint64_t seed = 20261202;
    expectDecoderMatchesTwin<WType::F32>(3, 64, seed);
    expectDecoderMatchesTwin<WType::F16>(3, 512, seed);
    expectDecoderMatchesTwin<WType::BF16>(3, 64, seed);
    expectDecoderMatchesTwin<WType::Q8_0>(5, 1408, seed);
    expectDecoderMatchesTwin<WType::Q4_0>(5, 1408, seed);
    expectDecoderMatchesTwin<WType::Q4_1>(5, 1408, seed);
    expectDecoderMatchesTwin<WType::Q5_0>(5, 1408, seed);
    expectDecoderMatchesTwin<WType::Q5_1>(5, 1408, seed);
    expectDecoderMatchesTwin<WType::Q4_K>(5, 2048, seed);
    expectDecoderMatchesTwin<WType::Q5_K>(5, 2048, seed);
    expectDecoderMatchesTwin<WType::Q6_K>(5, 2816, seed);
}

TEST(QBlocks, decodersHandleOddRowCountsAndUnalignedRowStarts)
{
    // 210-, 22- and 18-byte blocks start rows on 2-byte boundaries only.
    expectDecoderMatchesTwin<WType::Q6_K>(7, 256, 7);
    expectDecoderMatchesTwin<WType::Q5_0>(7, 32, 7);
    expectDecoderMatchesTwin<WType::Q4_0>(7, 96, 7);
    expectDecoderMatchesTwin<WType::Q8_0>(7, 32, 7);
}

TEST(QBlockCore, halfBitsWidensEveryF16LikeTheCpuTwin)
{
    // All 65536 codes, NaN payloads and subnormals included.
    int bad = 0;
    for (unsigned h = 0; h < 65536; ++h) {
        const float got = kernels::qblock::halfBits(h), want = inference::halfToFloat(static_cast<std::uint16_t>(h));
        if (std::memcmp(&got, &want, 4) != 0 && bad++ == 0)
            ADD_FAILURE() << "f16 0x" << std::hex << h << ": " << got << " vs " << want;
    }
    EXPECT_EQ(bad, 0);
}

TEST(QBlockCore, kScaleMinWordsUnpacksLikeTheCpuTwin)
{
    std::mt19937_64 rng(20261202);
    for (int trial = 0; trial < 2000; ++trial) {
        std::uint8_t q[12];
        for (std::uint8_t& b : q) b = static_cast<std::uint8_t>(rng());
        unsigned w[3];
        std::memcpy(w, q, 12);  // little-endian words, as the device reads them
        for (int s = 0; s < 8; ++s) {
            int sc = -1, mn = -1;
            kernels::qblock::kScaleMinWords(w[0], w[1], w[2], s, sc, mn);
            const inference::KScaleMin want = inference::kScaleMin(q, s);
            ASSERT_EQ(sc, want.scale) << "sub-block " << s << " (trial " << trial << ")";
            ASSERT_EQ(mn, want.min) << "sub-block " << s << " (trial " << trial << ")";
        }
    }
}
