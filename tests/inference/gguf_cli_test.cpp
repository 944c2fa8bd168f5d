// fathom-cli on a lone .gguf: generate, logits and render-chat --format auto need nothing but the file;
// a tensor type Fathom cannot run fails with exit status 1 and a message naming tensor and type.
#include "gguf_builder.h"
#include "model_files.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

namespace {

const std::string kCli = std::string(FATHOM_BINARY_DIR) + "/app/fathom-cli";
const std::string kGguf = std::string(FATHOM_TEST_DATA) + "/gguf/v2lite-mixed.gguf";

struct CliRun {
    int status = -1;
    std::string out;  // stdout and stderr
};

CliRun run(const std::string& args)
{
    CliRun r;
    FILE* p = popen((kCli + " " + args + " 2>&1").c_str(), "r");
    std::array<char, 4096> buf;
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
        r.out.append(buf.data(), n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

TEST(GgufCli, generatesFromTheFileAlone)
{
    const CliRun r = run("generate --model " + kGguf + " --prompt 'def f(x):' --max-tokens 4 --temperature 0 --backend cpu --ids");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find_first_of("0123456789"), std::string::npos) << r.out;
}

TEST(GgufCli, writesLogitsForEveryToken)
{
    fathom::test::TempDir dir;
    const CliRun r = run("logits --model " + kGguf + " --tokens 300,5,6 --out " + dir.file("l.npy") + " --backend cpu");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(std::filesystem::file_size(dir.file("l.npy")), 128u + 3 * 512 * 4);
}

TEST(GgufCli, rendersChatWithTheFilesTemplate)
{
    fathom::test::TempDir dir;
    fathom::test::writeBytes(dir.file("m.json"), R"([{"role": "user", "content": "hi"}])");
    const CliRun r = run("render-chat --format auto --model " + kGguf + " --messages " + dir.file("m.json") +
                         " --add-generation-prompt --ids");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("tokenizer.chat_template"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[300,"), std::string::npos) << r.out;  // BOS of the file's tokenizer
}

TEST(GgufCli, namesTheTensorOfAnUnsupportedType)
{
    fathom::test::TempDir dir;
    fathom::test::GgufBuilder b;
    b.str("general.architecture", "deepseek2").tensor("blk.0.ffn_down_exps.weight", {256, 2, 2}, 16, std::string(4 * 66, '\0'));
    b.write(dir.file("iq2.gguf"));
    const CliRun r = run("generate --model " + dir.file("iq2.gguf") + " --tokens 1 --ids --backend cpu");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.out.find("tensor blk.0.ffn_down_exps.weight has type IQ2_XXS, which Fathom cannot run"), std::string::npos)
        << r.out;
}

}  // namespace
