#include "app/cli/cli_args.h"

#include "base/error.h"

#include <gtest/gtest.h>

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
    EXPECT_EQ(args.getInt("max-tokens", 0), 7);
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
    EXPECT_THROW(args2.getInt("max-tokens", 0), fathom::Error);
}
