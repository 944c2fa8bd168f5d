// dtype conversions: bf16/f16 widen to fp32 exactly (f16 subnormals, inf and NaN included) and
// fromFloat rounds to nearest even.
#include "inference/model/tensor.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace {

using namespace fathom::inference;

float widen(DType dt, std::uint16_t bits)
{
    TensorView t{"t", dt, {1}, reinterpret_cast<const std::byte*>(&bits), 2, ""};
    float f = 0;
    toFloat(t, 0, 1, &f);
    return f;
}

std::uint16_t narrow(DType dt, float f)
{
    std::uint16_t bits = 0;
    fromFloat(dt, &f, 1, reinterpret_cast<std::byte*>(&bits));
    return bits;
}

TEST(Tensor, dtypeSizesAndNames)
{
    EXPECT_EQ(dtypeSize(DType::F32), 4u);
    EXPECT_EQ(dtypeSize(DType::F16), 2u);
    EXPECT_EQ(dtypeSize(DType::BF16), 2u);
    EXPECT_STREQ(dtypeName(DType::BF16), "BF16");
    EXPECT_STREQ(dtypeName(DType::F16), "F16");
    EXPECT_STREQ(dtypeName(DType::F32), "F32");
    TensorView t;
    t.shape = {3, 4, 5};
    EXPECT_EQ(t.numel(), 60);
    EXPECT_EQ(t.rows(), 3);
    EXPECT_EQ(t.cols(), 4);
}

TEST(Tensor, widensF16ExactlyIncludingSubnormalsInfAndNan)
{
    EXPECT_EQ(widen(DType::F16, 0x3c00), 1.0f);
    EXPECT_EQ(widen(DType::F16, 0xc000), -2.0f);
    EXPECT_EQ(widen(DType::F16, 0x7bff), 65504.0f);
    EXPECT_EQ(widen(DType::F16, 0x0400), std::ldexp(1.0f, -14));   // smallest normal
    EXPECT_EQ(widen(DType::F16, 0x0001), std::ldexp(1.0f, -24));   // smallest subnormal
    EXPECT_EQ(widen(DType::F16, 0x03ff), std::ldexp(1023.0f, -24)); // largest subnormal
    EXPECT_EQ(widen(DType::F16, 0x8001), -std::ldexp(1.0f, -24));
    EXPECT_TRUE(std::signbit(widen(DType::F16, 0x8000)));
    EXPECT_EQ(widen(DType::F16, 0x7c00), std::numeric_limits<float>::infinity());
    EXPECT_EQ(widen(DType::F16, 0xfc00), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::isnan(widen(DType::F16, 0x7e00)));
    EXPECT_TRUE(std::isnan(widen(DType::F16, 0x7c01)));
}

TEST(Tensor, f16RoundTripsEveryValue)
{
    for (std::uint32_t b = 0; b < 0x10000; ++b) {
        const auto bits = static_cast<std::uint16_t>(b);
        const float f = widen(DType::F16, bits);
        if (std::isnan(f)) {
            EXPECT_TRUE(std::isnan(widen(DType::F16, narrow(DType::F16, f))));
        } else {
            ASSERT_EQ(narrow(DType::F16, f), bits) << "f16 bits " << b;
        }
    }
}

TEST(Tensor, bf16RoundTripsEveryValue)
{
    for (std::uint32_t b = 0; b < 0x10000; ++b) {
        const auto bits = static_cast<std::uint16_t>(b);
        const float f = widen(DType::BF16, bits);
        ASSERT_EQ(std::bit_cast<std::uint32_t>(f), b << 16);
        if (!std::isnan(f)) {
            ASSERT_EQ(narrow(DType::BF16, f), bits) << "bf16 bits " << b;
        }
    }
}

TEST(Tensor, narrowingRoundsToNearestEven)
{
    // 1 + 2^-11 is halfway between f16 1.0 and 1+2^-10: ties go to the even mantissa (1.0).
    EXPECT_EQ(narrow(DType::F16, 1.0f + std::ldexp(1.0f, -11)), 0x3c00);
    EXPECT_EQ(narrow(DType::F16, 1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
    EXPECT_EQ(narrow(DType::F16, 70000.0f), 0x7c00);  // overflow -> inf
    EXPECT_EQ(narrow(DType::F16, 65519.0f), 0x7bff);
    EXPECT_EQ(narrow(DType::F16, std::ldexp(1.0f, -25)), 0x0000);       // half the smallest subnormal: even -> 0
    EXPECT_EQ(narrow(DType::F16, std::ldexp(3.0f, -26)), 0x0001);       // 0.75 ulp rounds up
    EXPECT_EQ(narrow(DType::F16, std::ldexp(1023.75f, -24)), 0x0400);   // rounds up into the normals
    EXPECT_EQ(narrow(DType::BF16, 1.0f + std::ldexp(1.0f, -8)), 0x3f80);
    EXPECT_EQ(narrow(DType::BF16, 1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
}

TEST(Tensor, toFloatReadsARangeAndRejectsOutOfRange)
{
    const float data[4] = {1, 2, 3, 4};
    TensorView t{"t", DType::F32, {2, 2}, reinterpret_cast<const std::byte*>(data), 16, ""};
    float out[2];
    toFloat(t, 2, 2, out);
    EXPECT_EQ(out[0], 3.0f);
    EXPECT_EQ(out[1], 4.0f);
    EXPECT_THROW(toFloat(t, 3, 2, out), std::exception);
}

}  // namespace
