// SafetensorsFile: every malformed layout of docs/RELIABILITY.md cases 1-4 ends in one error naming the
// file and the problem; valid files (all dtypes, metadata, padding, empty tensors) read back exactly.
#include "inference/model/safetensors.h"

#include "model_files.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace {

using namespace fathom::inference;
using fathom::test::errorOf;
using fathom::test::TempDir;
using fathom::test::writeRawSafetensors;

// Writes `header` (+ dataBytes zero bytes) as model.safetensors and returns the error opening it,
// checking that it names the file.
std::string openError(const std::string& header, std::size_t dataBytes,
                      std::optional<std::uint64_t> headerLength = std::nullopt)
{
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    writeRawSafetensors(path, header, dataBytes, headerLength);
    const std::string e = errorOf([&] { SafetensorsFile f(path); });
    EXPECT_EQ(e.rfind(path + ": ", 0), 0u) << "error does not start with the file: " << e;
    return e;
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << "message: " << (text)

// ---- case 1: header length ---------------------------------------------------------------

TEST(Safetensors, rejectsFileShorterThan8Bytes)
{
    TempDir dir;
    for (std::size_t n : {0u, 1u, 7u}) {
        fathom::test::writeBytes(dir.file("short.safetensors"), std::string(n, '\x01'));
        const std::string e = errorOf([&] { SafetensorsFile f(dir.file("short.safetensors")); });
        EXPECT_HAS(e, dir.file("short.safetensors") + ": file is " + std::to_string(n) + " bytes, too short");
    }
}

TEST(Safetensors, rejectsHeaderLengthZero)
{
    EXPECT_HAS(openError("", 16), "header length is 0");
}

TEST(Safetensors, rejectsHeaderLongerThanFile)
{
    EXPECT_HAS(openError("{}", 0, 1000), "header length 1000 runs past the end of the file (16 bytes)");
    EXPECT_HAS(openError("{}", 0, ~std::uint64_t{0}), "over the limit");  // 2^64-1 must not wrap around
}

TEST(Safetensors, rejectsHeaderOver100MB)
{
    // A sparse file big enough to hold the claimed header, so only the limit can reject it.
    TempDir dir;
    const std::string path = dir.file("big.safetensors");
    writeRawSafetensors(path, "{}", 0, 100'000'001);
    ASSERT_EQ(::truncate(path.c_str(), 100'000'200), 0);
    EXPECT_HAS(errorOf([&] { SafetensorsFile f(path); }), "header length 100000001 is over the limit of 100000000 bytes");
}

// ---- case 2: header JSON -------------------------------------------------------------------

TEST(Safetensors, rejectsHeaderThatIsNotJson)
{
    EXPECT_HAS(openError("{\"a\": {\"dtype\": ", 0), "header is not valid UTF-8 JSON");
    EXPECT_HAS(openError("not json at all", 0), "header is not valid UTF-8 JSON");
    EXPECT_HAS(openError("{} trailing", 0), "header is not valid UTF-8 JSON");
}

TEST(Safetensors, rejectsHeaderThatIsNotUtf8)
{
    EXPECT_HAS(openError("{\"__metadata__\": {\"k\": \"\xff\xfe\"}}", 0), "header is not valid UTF-8 JSON");
    EXPECT_HAS(openError("{\"\xc3\x28\": {}}", 0), "header is not valid UTF-8 JSON");
}

TEST(Safetensors, rejectsHeaderThatIsNotAnObject)
{
    EXPECT_HAS(openError("[1, 2, 3]", 0), "header must be a JSON object, not an array");
    EXPECT_HAS(openError("\"text\"", 0), "header must be a JSON object, not a string");
    EXPECT_HAS(openError("{\"w\": [1]}", 0), "header entry for tensor w must be an object");
}

TEST(Safetensors, rejectsNonStringMetadataValues)
{
    EXPECT_HAS(openError(R"({"__metadata__": {"format": "pt", "n": 3}})", 0),
               "\"__metadata__\" value for \"n\" must be a string, not an integer");
    EXPECT_HAS(openError(R"({"__metadata__": {"x": {"y": "z"}}})", 0), "value for \"x\" must be a string, not an object");
    EXPECT_HAS(openError(R"({"__metadata__": ["a"]})", 0), "\"__metadata__\" must be an object of strings");
}

TEST(Safetensors, rejectsDeeplyNestedHeaderWithoutRecursing)
{
    const std::string deep = "{\"w\": {\"shape\": " + std::string(100000, '[') + std::string(100000, ']') + "}}";
    EXPECT_HAS(openError(deep, 0), "tensor w: shape entries must be integers, not an array");
}

TEST(Safetensors, rejectsMalformedTensorEntries)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1]}})", 0), "tensor w has no \"data_offsets\"");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}})", 4),
               "tensor w has an unknown field \"x\"");
    EXPECT_HAS(openError(R"({"w": {"dtype": 5, "shape": [1], "data_offsets": [0, 4]}})", 4),
               "tensor w: \"dtype\" must be a string, not an integer");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}})", 4),
               "data_offsets must be [begin, end]");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})", 4),
               "shape entries must be integers, not a fraction");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                             "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
               "tensor w is listed twice");
}

TEST(Safetensors, rejectsHeaderWithTooManyTensors)
{
    // 300001 empty tensors in a 16 MB header: legal JSON, but parsed state would grow without bound.
    std::string h = "{";
    for (int i = 0; i <= 300000; ++i)
        h += (i ? ",\"t" : "\"t") + std::to_string(i) + R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})";
    EXPECT_HAS(openError(h + "}", 0), "header lists more than 300000 tensors");
}

// ---- case 3: dtype and shape -----------------------------------------------------------------

TEST(Safetensors, rejectsUnknownDtype)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}})", 4),
               "tensor w has unknown dtype \"Q7\"");
}

TEST(Safetensors, namesUnsupportedDtype)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "I8", "shape": [4], "data_offsets": [0, 4]}})", 4),
               "tensor w: dtype I8 is not supported");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}})", 4),
               "dtype F8_E4M3 is not supported");
}

TEST(Safetensors, rejectsNegativeDimension)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 4]}})", 4),
               "tensor w has a negative dimension -1");
}

TEST(Safetensors, rejectsOverflowingElementCount)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}})", 4),
               "element count overflows 64 bits");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 4]}})", 4),
               "element count overflows 64 bits");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 4]}})", 4),
               "byte size overflows 64 bits");
}

TEST(Safetensors, rejectsHugeShapeThatTheDataCannotHold)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "BF16", "shape": [1099511627776], "data_offsets": [0, 4]}})", 4),
               "tensor w is BF16 [1099511627776] = 2199023255552 bytes but its data_offsets span 4");
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1,1,1,1,1,1,1,1,1], "data_offsets": [0, 4]}})", 4),
               "more than 8 dimensions");
}

// ---- case 4: data offsets --------------------------------------------------------------------

TEST(Safetensors, rejectsReversedOffsets)
{
    EXPECT_HAS(openError(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4),
               "tensor w has reversed data_offsets [4, 0]");
}

TEST(Safetensors, rejectsOverlappingTensors)
{
    EXPECT_HAS(openError(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12),
               "tensors a and b overlap");
}

TEST(Safetensors, rejectsGapBetweenTensors)
{
    EXPECT_HAS(openError(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})", 12),
               "gap of 4 bytes between tensors a and b");
}

TEST(Safetensors, rejectsDataNotStartingAtZero)
{
    EXPECT_HAS(openError(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
               "does not start at byte 0: the first tensor, a, starts at 4");
}

TEST(Safetensors, rejectsTensorPastFileEnd)
{
    EXPECT_HAS(openError(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8),
               "tensor a ends at data byte 16 but the data section has only 8 bytes");
}

TEST(Safetensors, rejectsOffsetsNotMatchingShapeTimesDtype)
{
    EXPECT_HAS(openError(R"({"a": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 8]}})", 8),
               "tensor a is BF16 [2, 3] = 12 bytes but its data_offsets span 8");
}

TEST(Safetensors, rejectsBytesAfterTheLastTensor)
{
    EXPECT_HAS(openError(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 12),
               "8 bytes after the last tensor, a, belong to no tensor");
    EXPECT_HAS(openError("{}", 8), "header lists no tensors but the data section has 8 bytes");
}

TEST(Safetensors, rejectsTensorMisalignedForItsDtype)
{
    // A 54-byte header puts the data section at file byte 62, so an F32 tensor there is misaligned.
    TempDir dir;
    const std::string h = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    ASSERT_EQ(h.size(), 54u);
    writeRawSafetensors(dir.file("m.safetensors"), h, 4, std::nullopt, /*pad=*/false);
    EXPECT_HAS(errorOf([&] { SafetensorsFile f(dir.file("m.safetensors")); }),
               "m.safetensors: tensor a starts at file byte 62, not a multiple of its 4-byte dtype");
}

// ---- valid files -----------------------------------------------------------------------------

TEST(Safetensors, readsEveryDtypeAndMetadata)
{
    TempDir dir;
    const std::string path = dir.file("m.safetensors");
    fathom::test::writeSafetensors(path,
                                   {{"f32", DType::F32, {2, 2}, {1.0f, -2.5f, 3.25f, 1e-30f}},
                                    {"f16", DType::F16, {3}, {0.5f, -65504.0f, 0.0f}},
                                    {"bf16", DType::BF16, {1, 2}, {-1.0f, 256.0f}}},
                                   {{"format", "pt"}});
    const SafetensorsFile f(path);
    ASSERT_EQ(f.tensors().size(), 3u);
    EXPECT_EQ(f.metadata().at("format"), "pt");
    const auto read = [](const TensorView& t) {
        std::vector<float> v(static_cast<std::size_t>(t.numel()));
        toFloat(t, 0, t.numel(), v.data());
        return v;
    };
    EXPECT_EQ(f.tensors()[0].name, "bf16");  // header order (the writer's JSON sorts keys)
    for (const TensorView& t : f.tensors()) {
        EXPECT_EQ(t.file, path);
        if (t.name == "f32") {
            EXPECT_EQ(t.shape, (std::vector<std::int64_t>{2, 2}));
            EXPECT_EQ(read(t), (std::vector<float>{1.0f, -2.5f, 3.25f, 1e-30f}));
        } else if (t.name == "f16") {
            EXPECT_EQ(t.dtype, DType::F16);
            EXPECT_EQ(read(t), (std::vector<float>{0.5f, -65504.0f, 0.0f}));
        } else {
            EXPECT_EQ(t.dtype, DType::BF16);
            EXPECT_EQ(t.nbytes, 4u);
            EXPECT_EQ(read(t), (std::vector<float>{-1.0f, 256.0f}));
        }
    }
}

TEST(Safetensors, acceptsEmptyTensorsAndNoTensors)
{
    TempDir dir;
    writeRawSafetensors(dir.file("a.safetensors"), "{}", 0);
    EXPECT_TRUE(SafetensorsFile(dir.file("a.safetensors")).tensors().empty());
    writeRawSafetensors(dir.file("b.safetensors"),
                        R"({"e": {"dtype": "F32", "shape": [0, 4], "data_offsets": [0, 0]},
                            "s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}})", 4);
    const SafetensorsFile b(dir.file("b.safetensors"));
    ASSERT_EQ(b.tensors().size(), 2u);
    EXPECT_EQ(b.tensors()[0].numel(), 0);
    EXPECT_EQ(b.tensors()[1].numel(), 1);  // a scalar
}

TEST(Safetensors, rejectsMissingFileAndFolder)
{
    TempDir dir;
    EXPECT_HAS(errorOf([&] { SafetensorsFile f(dir.file("none.safetensors")); }), "none.safetensors: file not found");
    EXPECT_HAS(errorOf([&] { SafetensorsFile f(dir.path()); }), "not a regular file");
}

}  // namespace
