// The GGUF reader: every metadata value type, and one test per validation rule (RELIABILITY.md "GGUF
// files"; llama.cpp's GGUF advisories first: huge counts, lengths past the end, arrays of arrays).
#include "gguf_builder.h"
#include "model_files.h"

#include "inference/model/gguf_file.h"
#include "inference/model/gguf_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace fathom::inference {
namespace {

using test::GgufBuilder;
using test::le32;
using test::le64;
using ::testing::HasSubstr;

GgufLayout parse(const std::string& bytes) { return parseGguf(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size(), "model.gguf"); }

std::string errorOf(const std::string& bytes)
{
    return test::errorOf([&] { parse(bytes); });
}

// A Q8_0 tensor of `rows` rows of 32 weights.
std::string q8Rows(std::uint64_t rows) { return std::string(rows * 34, '\x01'); }

TEST(GgufFile, readsEveryValueTypeAndArraysOfArrays)
{
    GgufBuilder b;
    b.raw("u8", 0, std::string(1, '\xfe')).raw("i8", 1, std::string(1, '\xfe'));
    b.raw("u16", 2, std::string("\x34\x12", 2)).raw("i16", 3, std::string("\xff\xff", 2));
    b.u32("u32", 4000000000u).i32("i32", -7).f32("f32", 0.5f).boolean("bool", true).str("string", "héllo");
    b.raw("u64", 10, le64(1ull << 40)).raw("i64", 11, le64(static_cast<std::uint64_t>(-5)));
    double d = -2.25;
    std::string dBytes(8, '\0');
    std::memcpy(dBytes.data(), &d, 8);
    b.raw("f64", 12, dBytes);
    // [[1, 2], [3]] as an array of arrays of int32, then an array of strings.
    const std::string inner1 = le32(5) + le64(2) + le32(1) + le32(2), inner2 = le32(5) + le64(1) + le32(3);
    b.raw("nested", 9, le32(9) + le64(2) + inner1 + inner2);
    b.strings("strings", {"a", "", "ccc"});
    const GgufLayout g = parse(b.bytes());
    ASSERT_EQ(g.metadata.size(), 14u);
    EXPECT_EQ(g.find("u8")->uintValue, 254u);
    EXPECT_EQ(g.find("i8")->intValue, -2);
    EXPECT_EQ(g.find("u16")->uintValue, 0x1234u);
    EXPECT_EQ(g.find("i16")->intValue, -1);
    EXPECT_EQ(g.find("u32")->uintValue, 4000000000u);
    EXPECT_EQ(g.find("i32")->intValue, -7);
    EXPECT_EQ(g.find("f32")->floatValue, 0.5);
    EXPECT_EQ(g.find("bool")->uintValue, 1u);
    EXPECT_EQ(g.find("string")->text, "héllo");
    EXPECT_EQ(g.find("u64")->uintValue, 1ull << 40);
    EXPECT_EQ(g.find("i64")->intValue, -5);
    EXPECT_EQ(g.find("f64")->floatValue, -2.25);
    const GgufValue* n = g.find("nested");
    ASSERT_EQ(n->items.size(), 2u);
    EXPECT_EQ(n->describe(), "array of array of int32");
    EXPECT_EQ(n->items[0].items[1].intValue, 2);
    EXPECT_EQ(n->items[1].items[0].intValue, 3);
    EXPECT_EQ(g.find("strings")->items[2].text, "ccc");
    EXPECT_EQ(g.metadata[0].key, "u8");  // file order kept
}

TEST(GgufFile, readsTensorInfosWithShapesOffsetsAndByteSizes)
{
    GgufBuilder b;
    b.tensor("a", {32, 3}, 8, q8Rows(3));                  // Q8_0 [3, 32]: 3 blocks of 34 bytes
    b.tensor("b", {512, 2}, 12, std::string(576, '\0'));   // Q4_K: 4 blocks of 144 bytes
    b.f32Tensor("c", {2}, {1.0f, 2.0f});
    const std::string bytes = b.bytes();
    const GgufLayout g = parse(bytes);
    ASSERT_EQ(g.tensors.size(), 3u);
    EXPECT_EQ(g.tensors[0].nbytes, 102u);
    EXPECT_EQ(g.tensors[1].nbytes, 576u);
    EXPECT_EQ(g.tensors[1].offset, 128u);  // 102 rounded up to the 32-byte alignment
    EXPECT_EQ(g.tensors[1].ne, (std::vector<std::int64_t>{512, 2}));
    EXPECT_EQ(g.dataOffset % 32, 0u);
    float c[2];
    std::memcpy(c, g.tensors[2].data, 8);
    EXPECT_EQ(c[1], 2.0f);
}

TEST(GgufFile, honoursGeneralAlignment)
{
    GgufBuilder b;
    b.alignment = 64;
    b.u32("general.alignment", 64);
    b.tensor("a", {32}, 8, q8Rows(1)).tensor("b", {32}, 8, q8Rows(1));
    const GgufLayout g = parse(b.bytes());
    EXPECT_EQ(g.alignment, 64u);
    EXPECT_EQ(g.dataOffset % 64, 0u);
    EXPECT_EQ(g.tensors[1].offset, 64u);
}

TEST(GgufFile, refusesBadMagicAndVersions)
{
    GgufBuilder b;
    b.magic = 0x46554746;
    EXPECT_EQ(errorOf(b.bytes()), "model.gguf: is not a GGUF file (it does not start with \"GGUF\")");
    b.magic = 0x46554747;
    b.version = 1;
    EXPECT_THAT(errorOf(b.bytes()), HasSubstr("GGUF version 1"));
    b.version = 0x03000000;  // a big-endian file's version read little-endian
    EXPECT_THAT(errorOf(b.bytes()), HasSubstr("has GGUF version 50331648"));
    EXPECT_THAT(errorOf("GGUF"), HasSubstr("too short for a GGUF header"));
}

TEST(GgufFile, refusesTensorAndKeyCountsTheFileCannotHold)
{
    GgufBuilder b;
    b.tensorCount = ~0ull;
    EXPECT_THAT(errorOf(b.bytes()), HasSubstr("claims 18446744073709551615 tensors"));
    b.tensorCount.reset();
    b.kvCount = ~0ull;
    EXPECT_THAT(errorOf(b.bytes()), HasSubstr("claims 18446744073709551615 metadata entries"));
    b.kvCount = 2;  // says two but holds one: the read runs off the end
    b.alignment = 1;
    b.u32("only", 1);
    b.nKv = 1;
    EXPECT_THAT(errorOf(b.bytes() + std::string(7, '\0')), HasSubstr("metadata entry 1 key length needs 8 bytes"));
}

TEST(GgufFile, refusesStringLengthsPastTheEnd)
{
    GgufBuilder b;
    b.raw("s", 8, le64(~0ull) + "abc");
    EXPECT_THAT(errorOf(b.bytes()), HasSubstr("metadata key s has length 18446744073709551615"));
    GgufBuilder k;
    k.kv = le64(1ull << 62) + "key";
    k.nKv = 1;
    EXPECT_THAT(errorOf(k.bytes()), HasSubstr("metadata entry 0 key has length 4611686018427387904"));
}

TEST(GgufFile, refusesArrayCountsPastTheEndAndDeepNesting)
{
    GgufBuilder b;
    b.raw("a", 9, le32(0) + le64(1ull << 62) + "xy");
    EXPECT_THAT(errorOf(b.bytes()), HasSubstr("metadata key a claims 4611686018427387904 elements of uint8"));
    // Arrays of arrays each claiming many elements: bounded by the bytes left at every level.
    GgufBuilder n;
    n.raw("a", 9, le32(9) + le64(1000000) + le32(9) + le64(1000000));
    EXPECT_THAT(errorOf(n.bytes()), HasSubstr("claims 1000000 elements of array"));
    // Within the file but past the value budget: refused before anything is reserved.
    GgufBuilder many;
    many.raw("a", 9, le32(0) + le64(3'000'000) + std::string(3'000'000, '\0'));
    EXPECT_THAT(errorOf(many.bytes()), HasSubstr("metadata key a claims 3000000 elements, more than the 2097152"));
    std::string deep = le32(5) + le64(0);
    for (int i = 0; i < 9; ++i)
        deep = le32(9) + le64(1) + deep;
    GgufBuilder d;
    d.raw("deep", 9, deep);
    EXPECT_THAT(errorOf(d.bytes()), HasSubstr("nests arrays more than 8 deep"));
}

TEST(GgufFile, refusesUnknownValueTypesDuplicateKeysAndBadBools)
{
    GgufBuilder b;
    b.raw("x", 13, le32(0));
    EXPECT_EQ(errorOf(b.bytes()), "model.gguf: metadata key x has unknown value type 13");
    GgufBuilder a;
    a.raw("x", 9, le32(77) + le64(0));
    EXPECT_THAT(errorOf(a.bytes()), HasSubstr("metadata key x is an array of unknown value type 77"));
    GgufBuilder d;
    d.u32("x", 1).u32("x", 2);
    EXPECT_EQ(errorOf(d.bytes()), "model.gguf: metadata key x appears twice");
    GgufBuilder t;
    t.raw("flag", 7, std::string(1, '\x02'));
    EXPECT_THAT(errorOf(t.bytes()), HasSubstr("metadata key flag is a bool holding 2"));
    GgufBuilder e;
    e.u32("", 1);
    EXPECT_THAT(errorOf(e.bytes()), HasSubstr("metadata entry 0 has an empty key"));
}

TEST(GgufFile, refusesAlignmentThatIsNotAPowerOfTwo)
{
    GgufBuilder b;
    b.u32("general.alignment", 48);
    EXPECT_EQ(errorOf(b.bytes()), "model.gguf: general.alignment is 48, not a power of two");
    GgufBuilder z;
    z.u32("general.alignment", 0);
    EXPECT_EQ(errorOf(z.bytes()), "model.gguf: general.alignment is 0, not a power of two");
    GgufBuilder s;
    s.str("general.alignment", "32");
    EXPECT_EQ(errorOf(s.bytes()), "model.gguf: general.alignment must be a uint32, not string");
}

TEST(GgufFile, refusesBadDimensions)
{
    GgufBuilder five;
    five.tensor("t", {1, 1, 1, 1, 1}, 0, std::string(4, '\0'));
    EXPECT_EQ(errorOf(five.bytes()), "model.gguf: tensor t: has 5 dimensions (GGUF tensors have 1 to 4)");
    GgufBuilder none;
    none.tensor("t", {}, 0, "");
    EXPECT_THAT(errorOf(none.bytes()), HasSubstr("tensor t: has 0 dimensions"));
    GgufBuilder zero;
    zero.tensor("t", {4, 0}, 0, "");
    EXPECT_EQ(errorOf(zero.bytes()), "model.gguf: tensor t: dimension 1 is 0");
    GgufBuilder huge;
    huge.tensor("t", {1ull << 32, 1ull << 32}, 0, "");
    EXPECT_EQ(errorOf(huge.bytes()), "model.gguf: tensor t: element count overflows 64 bits");
    GgufBuilder sign;
    sign.tensor("t", {1ull << 63}, 0, "");
    EXPECT_THAT(errorOf(sign.bytes()), HasSubstr("element count overflows 64 bits"));
}

TEST(GgufFile, refusesUnknownTypesAndRowsThatAreNotWholeBlocks)
{
    GgufBuilder u;
    u.tensor("t", {32}, 99, q8Rows(1));
    EXPECT_EQ(errorOf(u.bytes()), "model.gguf: tensor t: unknown tensor type 99");
    GgufBuilder removed;
    removed.tensor("t", {32}, 4, q8Rows(1));  // Q4_2, removed from ggml
    EXPECT_THAT(errorOf(removed.bytes()), HasSubstr("unknown tensor type 4"));
    GgufBuilder rows;
    rows.tensor("t", {48, 2}, 8, q8Rows(3));
    EXPECT_EQ(errorOf(rows.bytes()),
              "model.gguf: tensor t: its rows of 48 elements are not a multiple of Q8_0's block of 32");
    GgufBuilder big;
    big.tensor("t", {1ull << 40, 1ull << 20}, 12, "");  // the byte size itself is absurd
    EXPECT_THAT(errorOf(big.bytes()), HasSubstr("take more bytes than the file has"));
}

TEST(GgufFile, refusesMisalignedOutOfRangeAndOverlappingTensors)
{
    GgufBuilder mis;
    mis.tensor("blk.3.ffn_down_exps.weight", {32}, 8, q8Rows(1));
    mis.tensors[0].offset = 123;
    EXPECT_EQ(errorOf(mis.bytes()), "model.gguf: tensor blk.3.ffn_down_exps.weight: offset 123 is not aligned to 32");
    GgufBuilder past;
    past.tensor("t", {32}, 8, q8Rows(1));
    past.tensors[0].offset = 1ull << 40;
    std::string bytes = past.bytes().substr(0, 200);
    EXPECT_THAT(errorOf(bytes), HasSubstr("past its end"));
    GgufBuilder shortData;
    shortData.tensor("t", {32, 4}, 8, q8Rows(4));
    const std::string full = shortData.bytes();
    EXPECT_THAT(errorOf(full.substr(0, full.size() - 1)), HasSubstr("tensor t: bytes 0 to 136 of the data section run past its end (135 bytes)"));
    GgufBuilder overlap;
    overlap.tensor("a", {32, 2}, 8, q8Rows(2)).tensor("b", {32}, 8, q8Rows(1));
    overlap.tensors[1].offset = 32;
    EXPECT_EQ(errorOf(overlap.bytes()), "model.gguf: tensor b (offset 32) overlaps tensor a (bytes 0 to 68)");
}

TEST(GgufFile, refusesDuplicateAndEmptyTensorNames)
{
    GgufBuilder dup;
    dup.tensor("w", {32}, 8, q8Rows(1)).tensor("w", {32}, 8, q8Rows(1));
    EXPECT_EQ(errorOf(dup.bytes()), "model.gguf: tensor w appears twice");
    GgufBuilder empty;
    empty.tensor("", {32}, 8, q8Rows(1));
    EXPECT_EQ(errorOf(empty.bytes()), "model.gguf: tensor info 0 has an empty name");
}

TEST(GgufFile, mapsAFileAndNamesItInErrors)
{
    test::TempDir dir;
    GgufBuilder b;
    b.str("general.architecture", "deepseek2").tensor("t", {32}, 8, q8Rows(1));
    b.write(dir.file("ok.gguf"));
    const GgufFile f(dir.file("ok.gguf"));
    EXPECT_EQ(f.layout().tensors.size(), 1u);
    EXPECT_EQ(f.find("general.architecture")->text, "deepseek2");
    test::writeBytes(dir.file("empty.gguf"), "");
    EXPECT_EQ(test::errorOf([&] { GgufFile g(dir.file("empty.gguf")); }),
              dir.file("empty.gguf") + ": is 0 bytes, too short for a GGUF header (24)");
    EXPECT_EQ(test::errorOf([&] { GgufFile g(dir.file("missing.gguf")); }), dir.file("missing.gguf") + ": file not found");
    EXPECT_TRUE(isGgufPath("a/Model.GGUF"));
    EXPECT_FALSE(isGgufPath("a/model.safetensors"));
    // Ollama's blobs have no extension: the magic decides, and a folder is never one.
    test::writeBytes(dir.file("sha256-00ff"), "GGUF\x03\0\0\0");
    test::writeBytes(dir.file("sha256-0100"), "PK\x03\x04....");
    EXPECT_TRUE(isGgufPath(dir.file("sha256-00ff")));
    EXPECT_FALSE(isGgufPath(dir.file("sha256-0100")));
    EXPECT_FALSE(isGgufPath(dir.path()));
    EXPECT_FALSE(isGgufPath(dir.file("absent")));
}

}  // namespace
}  // namespace fathom::inference
