// storage_crash_child DB SIDE_FILE SEED: chats into DB the way the app does — user message
// committed first, reply row `streaming` at once, ReplyWriter saves while "generating" — turn
// after turn until crash_test kills it with SIGKILL. Reports each commit through SIDE_FILE
// (format in crash_protocol.h).
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/reply_writer.h"
#include "tests/storage/crash_protocol.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

using namespace fathom::storage;
using namespace std::chrono;

namespace {

int g_side = -1;

long long nowUs() { return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count(); }

void record(const std::string& line)
{
    std::string l = line + "\n";
    if (::write(g_side, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
        std::_Exit(3);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: storage_crash_child DB SIDE_FILE SEED\n");
        return 1;
    }
    g_side = ::open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g_side < 0)
        return 1;
    std::uint64_t seed = std::strtoull(argv[3], nullptr, 10);
    crash::Pace pace = crash::paceFor(seed);
    try {
        Database db(argv[1]);
        ConversationStore store(db);
        auto conv = store.createConversation("crash run " + std::to_string(seed));
        std::int64_t parent = 0;
        for (int turn = 0;; ++turn) {
            auto user = store.addMessage(conv, parent, MessageRole::User, crash::userText(seed, turn));
            record("U " + std::to_string(turn) + " " + std::to_string(user));
            auto reply = store.beginReply(conv, user, "crash-model", R"({"temperature":0})");
            record("R " + std::to_string(turn) + " " + std::to_string(reply));
            auto save = ReplyWriter::toStore(store, reply);
            ReplyWriter writer([&](const ReplySnapshot& s) {
                std::string len = std::to_string(s.content.size());
                record("S " + std::to_string(turn) + " " + std::to_string(nowUs()) + " " + len);
                save(s);
                record("C " + std::to_string(turn) + " " + std::to_string(nowUs()) + " " + len);
            });
            std::size_t length = 0;
            int tokens = crash::replyTokens(seed, turn);
            for (int i = 0; i < tokens; ++i) {
                std::string piece = crash::tokenText(seed, turn, i);
                length += piece.size();
                record("A " + std::to_string(turn) + " " + std::to_string(nowUs()) + " " + std::to_string(length));
                writer.appendContent(piece);
                switch (pace) {
                case crash::Pace::Flat: break;
                case crash::Pace::Quick: std::this_thread::sleep_for(2ms); break;
                case crash::Pace::Slow: std::this_thread::sleep_for(15ms); break;
                case crash::Pace::Bursty:
                    if (i % 5 == 4)
                        std::this_thread::sleep_for(300ms);
                    break;
                }
            }
            auto full = writer.finish();
            store.finishReply(reply, MessageStatus::Complete, full.content, "", {10, full.tokens, 100, 5});
            record("D " + std::to_string(turn) + " " + std::to_string(full.content.size()));
            parent = reply;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "storage_crash_child: %s\n", e.what());
        return 2;
    }
}
