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

namespace {

// A copy of the golden model folder in a fresh temp folder, removed afterwards.
struct ModelCopy {
    std::filesystem::path dir;
    ModelCopy()
    {
        char tmpl[] = "/tmp/fathom_cli_model_XXXXXX";
        dir = mkdtemp(tmpl);
        for (const auto& e : std::filesystem::directory_iterator(kModel))
            std::filesystem::copy_file(e.path(), dir / e.path().filename());
    }
    ~ModelCopy() { std::filesystem::remove_all(dir); }
    std::string path() const { return dir.string(); }
};

// Overwrites one row of model.embed_tokens.weight (BF16 [vocab, hidden]) with 0xFF bytes: NaN.
void poisonEmbeddingRow(const std::string& file, int row)
{
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    std::uint64_t headerLen = 0;
    f.read(reinterpret_cast<char*>(&headerLen), 8);
    std::string header(headerLen, '\0');
    f.read(header.data(), std::streamsize(headerLen));
    const nlohmann::json t = nlohmann::json::parse(header).at("model.embed_tokens.weight");
    ASSERT_EQ(t.at("dtype"), "BF16");
    const std::int64_t hidden = t.at("shape")[1], begin = t.at("data_offsets")[0];
    f.seekp(std::streamoff(8 + headerLen + begin + row * hidden * 2));
    const std::string nan(std::size_t(hidden * 2), '\xff');
    f.write(nan.data(), std::streamsize(nan.size()));
    ASSERT_TRUE(f.good());
}

}  // namespace

// Issue 18: logits wrote all-NaN logits with exit status 0.
TEST(CliEngine, logitsSaysWhereLogitsAreNotFiniteAndWritesNothing)
{
    ModelCopy m;
    poisonEmbeddingRow(m.path() + "/model.safetensors", 77);
    const std::string out = m.path() + "/out.npy";
    const CliRun r = run("logits --model " + m.path() + " --tokens 5,6,77,8 --out " + out + " --threads 2");
    EXPECT_EQ(r.status, 1) << r.out;
    // Causal attention: positions 0 and 1 do not see token 77, so position 2 is the first bad one.
    EXPECT_NE(r.out.find("non-finite logits at position 2 (token 77)"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_EQ(run("logits --model " + m.path() + " --tokens 5,6 --out " + out + " --threads 2").status, 0);
}

// Issue 18: 16,385 tokens ran logits past 60 s; generate checked the context, logits did not.
TEST(CliEngine, logitsChecksTheContextLikeGenerate)
{
    const CliRun over = run("logits --model " + kModel + " --tokens 1,2,3,4,5 --context 4 --out /tmp/x.npy");
    EXPECT_EQ(over.status, 1);
    EXPECT_NE(over.out.find("context full: 5 tokens but the context holds 4"), std::string::npos) << over.out;
    const CliRun gen = run("generate --model " + kModel + " --tokens 1,2,3,4,5 --context 4 --ids");
    EXPECT_EQ(gen.status, 1);
    EXPECT_NE(gen.out.find("context full"), std::string::npos) << gen.out;
}

// Issue 18: --tokens hit the OS argument limit at ~100k ids.
TEST(CliEngine, tokensFileGivesTheSameResultAsTokens)
{
    ModelCopy m;
    const nlohmann::json g = golden();
    std::string spaced;
    for (int id : g["prompt_tokens"].get<std::vector<int>>())
        spaced += std::to_string(id) + (spaced.size() % 3 ? ",\n" : " ");
    std::ofstream(m.path() + "/ids.txt") << spaced;
    const CliRun r = run("generate --model " + kModel + " --tokens-file " + m.path() +
                         "/ids.txt --max-tokens 16 --temperature 0 --ids --threads 2");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, joined(g["greedy_tokens"]) + "\n");
    const std::string out = m.path() + "/l.npy";
    ASSERT_EQ(run("logits --model " + kModel + " --tokens-file " + m.path() + "/ids.txt --out " + out).status, 0);
    EXPECT_EQ(npyData(out).size(), npyData(kModel + "/logits.npy").size());
    std::ofstream(m.path() + "/bad.txt") << "1 2 x";
    const CliRun bad = run("logits --model " + kModel + " --tokens-file " + m.path() + "/bad.txt --out " + out);
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.out.find("bad.txt: item 3 'x' is not a token id"), std::string::npos) << bad.out;
    EXPECT_EQ(run("logits --model " + kModel + " --tokens 1 --tokens-file " + m.path() + "/ids.txt --out " + out).status, 1);
    EXPECT_EQ(run("generate --model " + kModel + " --tokens-file " + m.path() + "/missing.txt --ids").status, 1);
}

// Issue 18: --threads 100000 started ~32,000 threads; --max-tokens 4294967297 wrapped to 1.
TEST(CliEngine, outOfRangeIntegerOptionsAreUserErrorsNamingTheRange)
{
    const CliRun threads = run("generate --model " + kModel + " --tokens 1,2,3 --threads 100000 --ids --max-tokens 4");
    EXPECT_EQ(threads.status, 1);
    EXPECT_NE(threads.out.find("--threads must be an integer from 0 to 256, got '100000'"), std::string::npos) << threads.out;
    const CliRun wrap = run("generate --model " + kModel + " --tokens 1,2,3 --ids --max-tokens 4294967297");
    EXPECT_EQ(wrap.status, 1);
    EXPECT_NE(wrap.out.find("--max-tokens must be an integer from 1 to 2147483647"), std::string::npos) << wrap.out;
    // More threads than the machine has is fine: the pool clamps to the hardware.
    EXPECT_EQ(run("generate --model " + kModel + " --tokens 1,2,3 --threads 256 --ids --max-tokens 2").status, 0);
}

// Issue 18: a symlink loop gave "config.json: file not found" (logits) or an internal error, exit 2
// (generate); unreadable folders and files in place of folders likewise.
TEST(CliEngine, filesystemProblemsAreUserErrorsNamingThePathAndTheReason)
{
    ModelCopy m;
    const std::string loop = m.path() + "/loop";
    std::filesystem::create_directory_symlink(loop, loop);
    for (const char* cmd : {"generate --ids --tokens 1 --model ", "logits --out /tmp/x.npy --tokens 1 --model "}) {
        const CliRun r = run(std::string(cmd) + loop);
        EXPECT_EQ(r.status, 1) << cmd << r.out;
        EXPECT_NE(r.out.find(loop + ": too many levels of symbolic links"), std::string::npos) << r.out;
        const CliRun file = run(std::string(cmd) + m.path() + "/config.json");
        EXPECT_EQ(file.status, 1) << file.out;
        EXPECT_NE(file.out.find("config.json: not a folder"), std::string::npos) << file.out;
    }
    // A loop where a file should be: generate looked for tokenizer.json with a throwing call.
    std::filesystem::create_symlink(m.path() + "/tokenizer.json", m.path() + "/tokenizer.json.tmp");
    std::filesystem::rename(m.path() + "/tokenizer.json.tmp", m.path() + "/tokenizer.json");
    const CliRun tok = run("generate --ids --tokens 1 --max-tokens 1 --model " + m.path());
    EXPECT_EQ(tok.status, 1) << tok.out;
    EXPECT_NE(tok.out.find("tokenizer.json: too many levels of symbolic links"), std::string::npos) << tok.out;
    if (geteuid() == 0) {
        GTEST_SKIP() << "running as root, which reads any folder: the permission-denied case cannot be made here";
    }
    const std::string locked = m.path() + "/locked";
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(locked, std::filesystem::perms::none);
    const CliRun denied = run("logits --out /tmp/x.npy --tokens 1 --model " + locked);
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
    EXPECT_EQ(denied.status, 1) << denied.out;
    EXPECT_NE(denied.out.find(locked + ": permission denied"), std::string::npos) << denied.out;
}
