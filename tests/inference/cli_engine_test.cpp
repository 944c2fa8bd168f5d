// fathom-cli's engine commands end to end: `logits` writes the golden fixture's logits as .npy,
// `generate --ids` prints its greedy tokens, bad options fail with exit status 1.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace {

const std::string kCli = std::string(FATHOM_BINARY_DIR) + "/app/fathom-cli";
const std::string kModel = std::string(FATHOM_TEST_DATA) + "/golden/v2lite";

struct CliRun {
    int status = -1;
    std::string out;
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

// The same without a shell, for arguments with newlines and quotes (stdout only).
CliRun runArgv(const std::vector<std::string>& args)
{
    int fds[2];
    if (pipe(fds) != 0)
        return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        std::vector<char*> argv{const_cast<char*>(kCli.c_str())};
        for (const std::string& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(kCli.c_str(), argv.data());
        _exit(127);
    }
    close(fds[1]);
    CliRun r;
    std::array<char, 4096> buf;
    for (ssize_t n; (n = read(fds[0], buf.data(), buf.size())) > 0;)
        r.out.append(buf.data(), std::size_t(n));
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

nlohmann::json golden()
{
    std::ifstream in(kModel + "/golden.json");
    return nlohmann::json::parse(in);
}

std::string joined(const std::vector<int>& ids)
{
    std::string s;
    for (int id : ids)
    {
        if (!s.empty())
            s += ',';
        s += std::to_string(id);
    }
    return s;
}

std::vector<float> npyData(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::string b((std::istreambuf_iterator<char>(in)), {});
    const std::size_t hl = std::uint8_t(b[8]) | (std::size_t(std::uint8_t(b[9])) << 8);
    std::vector<float> v((b.size() - 10 - hl) / 4);
    std::memcpy(v.data(), b.data() + 10 + hl, v.size() * 4);
    return v;
}

}  // namespace

TEST(CliEngine, logitsWritesNpyMatchingGolden)
{
    const std::string out = (std::filesystem::temp_directory_path() / "fathom_cli_logits_test.npy").string();
    const nlohmann::json g = golden();
    const CliRun r = run("logits --model " + kModel + " --tokens " + joined(g["prompt_tokens"]) + " --out " + out + " --threads 2");
    ASSERT_EQ(r.status, 0) << r.out;
    const std::vector<float> ours = npyData(out), ref = npyData(kModel + "/logits.npy");
    ASSERT_EQ(ours.size(), ref.size());
    double num = 0, den = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        num += double(ours[i] - ref[i]) * (ours[i] - ref[i]);
        den += double(ref[i]) * ref[i];
    }
    EXPECT_LT(std::sqrt(num / den), 1e-3);
    std::filesystem::remove(out);
}

TEST(CliEngine, generateIdsPrintsGreedyTokensOnOneLine)
{
    const nlohmann::json g = golden();
    const CliRun r = run("generate --model " + kModel + " --tokens " + joined(g["prompt_tokens"]) +
                      " --max-tokens 16 --temperature 0 --ids --threads 2");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, joined(g["greedy_tokens"]) + "\n");
}

TEST(CliEngine, generatePromptPrintsTheContinuationText)
{
    // No --model: the embedded tiny coder, whose tokenizer_config adds BOS (golden prompt starts with 0).
    std::ifstream in(std::string(FATHOM_TEST_DATA) + "/tiny_coder/golden/golden.json");
    const nlohmann::json g = nlohmann::json::parse(in);
    const CliRun r = runArgv({"generate", "--prompt", g["prompt_text"].get<std::string>(), "--max-tokens", "16",
                              "--temperature", "0", "--threads", "2"});
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, g["greedy_text"].get<std::string>());
}

TEST(CliEngine, generateWithSeedIsReproducible)
{
    const std::string args = "generate --model " + kModel + " --tokens 5,6,7 --max-tokens 12 --temperature 1.5 --seed 9 --ids";
    const CliRun a = run(args), b = run(args);
    ASSERT_EQ(a.status, 0) << a.out;
    EXPECT_EQ(a.out, b.out);
}

TEST(CliEngine, userErrorsExitWithStatusOne)
{
    // --backend cuda: a user error without a usable GPU; with one, the CUDA backend runs v2lite's shape.
    const CliRun cuda = run("logits --model " + kModel + " --tokens 1,2 --out /tmp/x.npy --backend cuda");
    if (cuda.status != 0) {
        EXPECT_EQ(cuda.status, 1) << cuda.out;
        EXPECT_NE(cuda.out.find("--backend cuda"), std::string::npos) << cuda.out;  // the message names the option
    }
    EXPECT_EQ(run("logits --model " + kModel + " --tokens 1,99999 --out /tmp/x.npy").status, 1);
    EXPECT_EQ(run("logits --model /nonexistent --tokens 1 --out /tmp/x.npy").status, 1);
    EXPECT_EQ(run("generate --model " + kModel + " --ids").status, 1);
    EXPECT_EQ(run("generate --model " + kModel + " --prompt hello").status, 1);  // fixture has no tokenizer.json
    EXPECT_EQ(run("bench --shape v2-lite").status, 1);
}
