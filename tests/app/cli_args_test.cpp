#include "app/cli/cli_args.h"

#include "base/error.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

using fathom::cli::CliArgs;

namespace {

// Builds a mutable argv from strings for the parser under test.
struct Argv {
    std::vector<std::string> store;
    std::vector<char*> ptrs;
    explicit Argv(std::vector<std::string> s) : store(std::move(s))
    {
        for (auto& x : store)
            ptrs.push_back(x.data());
    }
    int argc() const { return static_cast<int>(ptrs.size()); }
    char** argv() { return ptrs.data(); }
};

std::string errorOf(std::vector<std::string> args)
{
    Argv a(std::move(args));
    try {
        CliArgs(a.argc(), a.argv(), 2, {"ids"}, {"model", "tokens", "max-tokens"});
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
        return e.what();
    }
    return "";
}

}  // namespace

TEST(CliArgs, parsesOptionsFlagsAndIds)
{
    Argv a({"fathom-cli", "generate", "--model", "/m", "--tokens=1,22,333", "--ids", "--max-tokens", "7"});
    CliArgs args(a.argc(), a.argv(), 2, {"ids"}, {"model", "tokens", "max-tokens"});
    EXPECT_EQ(args.get("model"), "/m");
    EXPECT_TRUE(args.has("ids"));
    EXPECT_EQ(args.getInt("max-tokens", 0, 1, 100), 7);
    EXPECT_EQ(args.getIds("tokens"), (std::vector<std::int32_t>{1, 22, 333}));
    EXPECT_EQ(args.get("absent", "dflt"), "dflt");
}

TEST(CliArgs, rejectsUnknownOptionsAndMissingValues)
{
    EXPECT_NE(errorOf({"fathom-cli", "x", "--bogus", "1"}).find("unknown option --bogus"), std::string::npos);
    EXPECT_NE(errorOf({"fathom-cli", "x", "--model"}).find("--model needs a value"), std::string::npos);
    EXPECT_NE(errorOf({"fathom-cli", "x", "stray"}).find("unexpected argument 'stray'"), std::string::npos);
}

TEST(CliArgs, rejectsBadIdsNamingTheElement)
{
    Argv a({"fathom-cli", "x", "--tokens", "1,,3"});
    CliArgs args(a.argc(), a.argv(), 2, {}, {"tokens", "max-tokens"});
    try {
        args.getIds("tokens");
        FAIL() << "expected an error";
    } catch (const fathom::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'' is not a token id"), std::string::npos);
    }
    Argv b({"fathom-cli", "x", "--max-tokens", "12abc"});
    CliArgs args2(b.argc(), b.argv(), 2, {}, {"tokens", "max-tokens"});
    EXPECT_THROW(args2.getInt("max-tokens", 0, 0, 100), fathom::Error);
}

namespace {

std::string intError(const std::string& value, std::int64_t min, std::int64_t max)
{
    Argv a({"fathom-cli", "x", "--max-tokens", value});
    CliArgs args(a.argc(), a.argv(), 2, {}, {"max-tokens"});
    try {
        args.getInt("max-tokens", 0, min, max);
    } catch (const fathom::Error& e) {
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
        return e.what();
    }
    return "";
}

}  // namespace

// Issue 18: --max-tokens 4294967297 wrapped to 1; 10^12 said "must be at least 1".
TEST(CliArgs, intOptionsAreRangeCheckedIn64BitsAndTheMessageGivesTheRange)
{
    const std::string range = "--max-tokens must be an integer from 1 to 2147483647";
    EXPECT_EQ(intError("4294967297", 1, 2147483647), range + ", got '4294967297'");
    EXPECT_EQ(intError("1000000000000", 1, 2147483647), range + ", got '1000000000000'");
    EXPECT_EQ(intError("0", 1, 2147483647), range + ", got '0'");
    EXPECT_EQ(intError("-3", 1, 2147483647), range + ", got '-3'");
    EXPECT_EQ(intError("99999999999999999999", 1, 2147483647), range + ", got '99999999999999999999'");  // > 2^64
    EXPECT_EQ(intError("7x", 1, 2147483647), range + ", got '7x'");
    EXPECT_EQ(intError("", 1, 2147483647), range + ", got ''");
    EXPECT_EQ(intError("2147483647", 1, 2147483647), "");
    EXPECT_EQ(intError("9223372036854775807", 0, INT64_MAX), "");
}

TEST(CliArgs, tokenIdsMaySeparateByCommasOrWhitespace)
{
    using fathom::cli::parseTokenIds;
    EXPECT_EQ(parseTokenIds("1,2,3", "x"), (std::vector<std::int32_t>{1, 2, 3}));
    EXPECT_EQ(parseTokenIds(" 1 2\n3\t4\r\n", "x"), (std::vector<std::int32_t>{1, 2, 3, 4}));
    EXPECT_EQ(parseTokenIds("1, 2,\n3 ,4", "x"), (std::vector<std::int32_t>{1, 2, 3, 4}));
    EXPECT_EQ(parseTokenIds("2147483647", "x"), (std::vector<std::int32_t>{2147483647}));
    EXPECT_TRUE(parseTokenIds(" \n", "x").empty());
    auto err = [](const std::string& text) {
        try {
            parseTokenIds(text, "ids.txt");
        } catch (const fathom::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(err("1,,2").find("ids.txt: item 2 '' is not a token id"), std::string::npos) << err("1,,2");
    EXPECT_NE(err("1,").find("item 2 '' is not a token id"), std::string::npos);
    EXPECT_NE(err("1 2 x3").find("item 3 'x3' is not a token id"), std::string::npos);
    EXPECT_NE(err("2147483648").find("item 1 '2147483648' is not a token id (ids are integers from 0 to 2147483647"),
              std::string::npos);
    EXPECT_NE(err("-1").find("'-1' is not a token id"), std::string::npos);
}
