// `fathom-cli chat` against the embedded tiny model: turns land in the database the app uses, in
// the app's order; --list prints them; bad input stores nothing; Ctrl-C stops and kill -9
// interrupts a reply without losing what was saved.
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <thread>

extern char** environ;

using namespace fathom::storage;

namespace {

struct Result {
    int status = -1;
    std::string out;
};

// Runs fathom-cli with `args` (shell-quoted by the caller), capturing stdout.
Result cli(const std::string& args)
{
    Result r;
    std::string command = std::string(FATHOM_CLI) + " " + args + " 2>/dev/null";
    FILE* p = ::popen(command.c_str(), "r");
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
        r.out.append(buf.data(), n);
    int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::size_t conversationCount(const std::string& dbPath)
{
    Database db(dbPath);
    return ConversationStore(db).listConversations().size();
}

pid_t spawnChat(const std::string& dbPath)
{
    std::vector<std::string> a = {FATHOM_CLI, "chat", "--db", dbPath, "--message", "write a long function",
                                  "--max-tokens", "100000", "--threads", "1"};
    std::vector<char*> argv;
    for (auto& s : a)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, FATHOM_CLI, &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

// Waits until the reply row has some saved text (the model is streaming).
bool waitForSavedReply(const std::string& dbPath)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        try {
            DatabaseOptions readOnly;
            readOnly.recoverInterrupted = false;
            Database db(dbPath, readOnly);
            ConversationStore store(db);
            if (!store.listConversations().empty()) {
                auto path = store.activePath(store.listConversations()[0].id);
                if (path.size() == 2 && !path[1].content.empty())
                    return true;
            }
        } catch (const std::exception&) {
        }
    }
    return false;
}

}  // namespace

TEST(ChatCli, storesTurnsAndContinuesAConversation)
{
    test::TempDir dir;
    std::string db = dir.file("chat.db");
    auto first = cli("chat --db " + db + " --message 'def add(a, b):' --max-tokens 12 --seed 3");
    ASSERT_EQ(first.status, 0);
    EXPECT_FALSE(first.out.empty());
    ASSERT_EQ(cli("chat --db " + db + " --conversation 1 --message 'and subtract?' --max-tokens 8").status, 0);

    Database database(db);
    ConversationStore store(database);
    ASSERT_EQ(store.listConversations().size(), 1u);
    auto path = store.activePath(1);
    ASSERT_EQ(path.size(), 4u);
    EXPECT_EQ(path[0].content, "def add(a, b):");
    EXPECT_EQ(path[0].role, MessageRole::User);
    EXPECT_EQ(path[1].role, MessageRole::Assistant);
    EXPECT_EQ(path[1].status, MessageStatus::Complete);
    EXPECT_EQ(path[1].stats.completionTokens, 12);
    EXPECT_GT(path[1].stats.promptTokens, 0);
    EXPECT_GT(path[1].stats.tokensPerSecond, 0);
    EXPECT_EQ(nlohmann::json::parse(path[1].settingsJson)["seed"], 3);
    EXPECT_NE(path[1].model.find("fathom-tiny-coder"), std::string::npos);
    EXPECT_EQ(path[2].content, "and subtract?");
    EXPECT_EQ(path[3].status, MessageStatus::Complete);
    // What was printed is what was stored (plus the final newline).
    EXPECT_EQ(first.out, path[1].content + "\n");
}

TEST(ChatCli, listPrintsConversationsWithTheirMessagesAsJson)
{
    test::TempDir dir;
    std::string db = dir.file("chat.db");
    ASSERT_EQ(cli("chat --db " + db + " --message 'hello there' --max-tokens 4").status, 0);
    ASSERT_EQ(cli("chat --db " + db + " --message 'second chat' --max-tokens 4").status, 0);
    auto list = cli("chat --db " + db + " --list");
    ASSERT_EQ(list.status, 0);
    auto j = nlohmann::json::parse(list.out);
    ASSERT_EQ(j["conversations"].size(), 2u);
    auto one = nlohmann::json::parse(cli("chat --db " + db + " --list --conversation 1").out);
    ASSERT_EQ(one["conversations"].size(), 1u);
    const auto& c = one["conversations"][0];
    EXPECT_EQ(c["conversation"]["id"], 1);
    EXPECT_EQ(c["conversation"]["title"], "hello there");
    ASSERT_EQ(c["messages"].size(), 2u);
    EXPECT_EQ(c["messages"][0]["content"], "hello there");
    EXPECT_EQ(c["messages"][1]["status"], "complete");
    EXPECT_EQ(c["messages"][1]["parent"], c["messages"][0]["id"]);
}

TEST(ChatCli, badInputIsAUserErrorAndStoresNothing)
{
    test::TempDir dir;
    std::string db = dir.file("chat.db");
    EXPECT_EQ(cli("chat --db " + db + " --conversation 7 --message hi").status, 1);
    EXPECT_EQ(cli("chat --db " + db + " --model " + dir.file("no-model") + " --message hi").status, 1);
    EXPECT_EQ(cli("chat --db " + db + " --message hi --max-tokens 0").status, 1);
    EXPECT_EQ(cli("chat --db " + dir.file("no/folder/x.db") + " --list").status, 1);
    EXPECT_EQ(conversationCount(db), 0u);
}

TEST(ChatCli, ctrlCStopsTheReplyAndKeepsItsText)
{
    test::TempDir dir;
    std::string db = dir.file("chat.db");
    pid_t pid = spawnChat(db);
    ASSERT_TRUE(waitForSavedReply(db));
    ::kill(pid, SIGINT);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    Database database(db);
    auto path = ConversationStore(database).activePath(1);
    ASSERT_EQ(path.size(), 2u);
    EXPECT_EQ(path[1].status, MessageStatus::Stopped);
    EXPECT_FALSE(path[1].content.empty());
}

TEST(ChatCli, killedMidReplyLeavesTheUserMessageAndAnInterruptedReply)
{
    test::TempDir dir;
    std::string db = dir.file("chat.db");
    pid_t pid = spawnChat(db);
    ASSERT_TRUE(waitForSavedReply(db));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    Database database(db);
    EXPECT_EQ(database.interruptedOnOpen(), 1);
    auto path = ConversationStore(database).activePath(1);
    ASSERT_EQ(path.size(), 2u);
    EXPECT_EQ(path[0].content, "write a long function");
    EXPECT_EQ(path[1].status, MessageStatus::Interrupted);
    EXPECT_FALSE(path[1].content.empty());
}
