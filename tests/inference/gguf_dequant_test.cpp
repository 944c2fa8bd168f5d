// Each GGUF type's CPU dequantization equals gguf-py's bit for bit (tests/data/gguf/dequant-*.gguf,
// written by tools/make-gguf-fixtures.py), and the CPU matmul / matvec over quantized weights equals
// the same ops over the dequantized fp32 weights.
#include "inference/cpu/matmul.h"
#include "inference/cpu/matvec_transposed.h"
#include "inference/model/gguf_file.h"
#include "inference/model/gguf_types.h"
#include "inference/model/quant.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

namespace fathom::inference {
namespace {

const char* const kTypes[] = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"};

const GgufTensorInfo& tensorNamed(const GgufFile& f, const std::string& name)
{
    for (const GgufTensorInfo& t : f.layout().tensors)
        if (t.name == name)
            return t;
    throw std::runtime_error(f.path() + " has no tensor " + name);
}

TensorView viewOf(const GgufTensorInfo& t)
{
    TensorView v;
    v.name = t.name;
    v.dtype = *ggmlTypeInfo(t.type)->dtype;
    v.shape = {t.ne.rbegin(), t.ne.rend()};
    v.data = t.data;
    v.nbytes = t.nbytes;
    return v;
}

class GgufDequant : public ::testing::TestWithParam<const char*> {};

TEST_P(GgufDequant, equalsGgufPyBitForBit)
{
    const GgufFile f(std::string(FATHOM_TEST_DATA) + "/gguf/dequant-" + GetParam() + ".gguf");
    const TensorView packed = viewOf(tensorNamed(f, "packed"));
    const GgufTensorInfo& expected = tensorNamed(f, "expected");
    ASSERT_EQ(packed.numel(), expected.numel());
    std::vector<float> got(static_cast<std::size_t>(packed.numel()), std::nanf(""));
    toFloat(packed, 0, packed.numel(), got.data());
    std::vector<float> want(got.size());
    std::memcpy(want.data(), expected.data, want.size() * 4);
    std::size_t differing = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        if (std::bit_cast<std::uint32_t>(got[i]) != std::bit_cast<std::uint32_t>(want[i]) && differing++ < 5)
            ADD_FAILURE() << GetParam() << " element " << i << ": " << got[i] << " but gguf-py gives " << want[i];
    EXPECT_EQ(differing, 0u) << "of " << got.size() << " elements";
    RecordProperty("elements", static_cast<int>(got.size()));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, GgufDequant, ::testing::ValuesIn(kTypes));

// Random blocks with small finite f16 scales, for the op tests below.
std::vector<std::byte> randomBlocks(DType t, std::int64_t rows, std::int64_t cols, std::mt19937& rng)
{
    std::vector<std::byte> b(rowBytes(t, cols) * static_cast<std::size_t>(rows));
    for (std::byte& x : b)
        x = static_cast<std::byte>(rng() & 0xff);
    if (!isQuantized(t)) {  // f16/bf16: keep the exponent small
        for (std::size_t i = 1; i < b.size(); i += 2)
            b[i] = static_cast<std::byte>((static_cast<unsigned>(b[i]) & 0x80) | 0x30);
        return b;
    }
    const std::size_t block = blockBytes(t);
    const std::size_t scaleAt = t == DType::Q6_K ? 208 : 0;
    const int scales = (t == DType::Q4_1 || t == DType::Q5_1 || t == DType::Q4_K || t == DType::Q5_K) ? 2 : 1;
    std::uniform_int_distribution<int> mant(0, 1023);
    for (std::size_t at = 0; at < b.size(); at += block)
        for (int s = 0; s < scales; ++s) {
            const std::uint16_t h = static_cast<std::uint16_t>((rng() & 1 ? 0x8000 : 0) | (9 << 10) | mant(rng));  // ~2^-6
            std::memcpy(b.data() + at + scaleAt + 2 * s, &h, 2);
        }
    return b;
}

double relL2(const std::vector<float>& a, const std::vector<float>& b)
{
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        den += double(b[i]) * b[i];
    }
    return std::sqrt(num / std::max(den, 1e-30));
}

class QuantizedOps : public ::testing::TestWithParam<DType> {};

TEST_P(QuantizedOps, matmulAndMatvecEqualTheDequantizedFp32Ops)
{
    const DType t = GetParam();
    std::mt19937 rng(7);
    const std::int64_t rows = 37, cols = 2 * blockElements(t) * (blockElements(t) == 1 ? 32 : 1);
    const std::vector<std::byte> q = randomBlocks(t, rows, cols, rng);
    std::vector<float> deq(static_cast<std::size_t>(rows * cols));
    dequantize(t, q.data(), rows * cols, deq.data());
    cpu::WeightMatrix wq{t, q.data(), rows, cols};
    cpu::WeightMatrix wf{DType::F32, reinterpret_cast<const std::byte*>(deq.data()), rows, cols};
    cpu::ThreadPool pool(2);
    std::normal_distribution<float> nd;
    for (std::int64_t n : {1, 3, 4, 9}) {  // GEMV (up to 4 rows of x) and the packed GEMM
        std::vector<float> x(static_cast<std::size_t>(n * cols));
        for (float& v : x)
            v = nd(rng);
        std::vector<float> yq(static_cast<std::size_t>(n * rows), std::nanf("")), yf(yq.size());
        cpu::matmul(pool, x.data(), n, wq, yq.data());
        cpu::matmul(pool, x.data(), n, wf, yf.data());
        EXPECT_LE(relL2(yq, yf), 1e-6) << dtypeName(t) << " n=" << n;
    }
    std::vector<float> x(static_cast<std::size_t>(rows)), yq(static_cast<std::size_t>(cols)), yf(yq.size());
    for (float& v : x)
        v = nd(rng);
    cpu::matvecTransposed(x.data(), wq, yq.data());
    cpu::matvecTransposed(x.data(), wf, yf.data());
    EXPECT_LE(relL2(yq, yf), 1e-6) << dtypeName(t);
    std::vector<float> row(static_cast<std::size_t>(cols));
    wq.rowSlice(5, 3).rowToFloat(1, row.data());
    EXPECT_EQ(0, std::memcmp(row.data(), deq.data() + 6 * cols, row.size() * 4));
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantizedOps,
                         ::testing::Values(DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q4_K,
                                           DType::Q5_K, DType::Q6_K),
                         [](const auto& info) { return std::string(dtypeName(info.param)); });

}  // namespace
}  // namespace fathom::inference
