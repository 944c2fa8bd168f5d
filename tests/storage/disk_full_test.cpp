// A full disk while a reply streams (docs/RELIABILITY.md): the store says the disk is full, keeps
// everything committed before, and picks up where it was once space returns. The database lives on
// a small tmpfs mounted for the test (root only); without one the test skips and says why.
#include "base/error.h"
#include "storage/conversation_store.h"
#include "storage/database.h"
#include "storage/reply_writer.h"
#include "storage/statement.h"
#include "tests/storage/test_db.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace fathom::storage;
using namespace std::chrono_literals;

namespace {

// A 2 MiB tmpfs at DIR/disk for the test's lifetime.
class SmallDisk final {
public:
    explicit SmallDisk(const test::TempDir& dir) : m_path(dir.file("disk"))
    {
        std::filesystem::create_directory(m_path);
        if (::mount("tmpfs", m_path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=2m,mode=0700") == 0)
            m_mounted = true;
        else
            m_why = std::string("cannot mount a 2 MiB tmpfs (") + std::strerror(errno) +
                    "; the test needs root or CAP_SYS_ADMIN)";
    }
    ~SmallDisk()
    {
        if (m_mounted)
            ::umount2(m_path.c_str(), MNT_DETACH);
    }
    bool ok() const { return m_mounted; }
    const std::string& why() const { return m_why; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

    // Writes a filler file until the disk refuses; returns the bytes written.
    std::size_t fill()
    {
        const int fd = ::open(file("filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            return 0;
        const std::vector<char> block(4096, 'x');
        std::size_t total = 0;
        for (;;) {
            const ssize_t n = ::write(fd, block.data(), block.size());
            if (n <= 0)
                break;
            total += static_cast<std::size_t>(n);
        }
        ::close(fd);
        return total;
    }
    void free() { std::filesystem::remove(file("filler")); }

private:
    std::string m_path;
    bool m_mounted = false;
    std::string m_why;
};

std::string integrity(const Database& db)
{
    Statement check(db, "PRAGMA integrity_check");
    return check.step() ? check.textAt(0) : "";
}

}  // namespace

TEST(StorageDiskFull, saysTheDiskIsFullKeepsWhatWasCommittedAndRecovers)
{
    test::TempDir dir;
    SmallDisk disk(dir);
    if (!disk.ok())
        GTEST_SKIP() << disk.why();
    {
        Database db(disk.file("chats.db"));
        ConversationStore store(db);
        const std::int64_t chat = store.createConversation("disk full");
        const std::int64_t question = store.addMessage(chat, 0, MessageRole::User, "Write a long module.");
        const std::int64_t reply = store.beginReply(chat, question, "tiny", "{}");
        ReplyWriter writer(ReplyWriter::toStore(store, reply));

        // Streaming: the first 64 tokens are saved (32-token rule) before the disk fills up.
        std::string streamed;
        auto token = [&](int i) {
            const std::string t = "word" + std::to_string(i) + " ";
            streamed += t;
            writer.appendContent(t);
        };
        for (int i = 0; i < 64; ++i)
            token(i);
        ASSERT_EQ(writer.flushCount(), 2);
        ASSERT_TRUE(writer.lastError().empty()) << writer.lastError();
        const std::string committed = streamed;

        ASSERT_GT(disk.fill(), 0u);
        // Each reply update rewrites the whole text: a few KB of tokens more than a full disk holds.
        for (int i = 64; i < 2000; ++i)
            token(i);
        writer.flush();
        const std::string error = writer.lastError();
        EXPECT_NE(error.find("disk is full"), std::string::npos) << error;
        EXPECT_NE(error.find("free some disk space"), std::string::npos) << error;
        EXPECT_NE(error.find(disk.file("chats.db")), std::string::npos) << error;  // names the database

        // A new message is refused the same way, as a resource error (not a crash, not "internal").
        try {
            store.addMessage(chat, reply, MessageRole::User, std::string(64 * 1024, 'q'));
            ADD_FAILURE() << "a 64 KB message fit on a full disk";
        } catch (const fathom::Error& e) {
            EXPECT_EQ(e.kind(), fathom::ErrorKind::Resource) << e.what();
            EXPECT_NE(std::string(e.what()).find("disk is full"), std::string::npos) << e.what();
        }

        // What was committed is still there, and the file is sound.
        const auto kept = store.findMessage(question);
        ASSERT_TRUE(kept);
        EXPECT_EQ(kept->content, "Write a long module.");
        const auto partial = store.findMessage(reply);
        ASSERT_TRUE(partial);
        EXPECT_EQ(partial->content.substr(0, committed.size()), committed);
        EXPECT_EQ(partial->status, MessageStatus::Streaming);

        // Space returns: the next flush (the writer retries by itself) saves everything streamed.
        disk.free();
        const int before = writer.flushCount();
        for (int i = 2000; i < 2010; ++i)
            token(i);
        for (int waited = 0; writer.flushCount() == before && waited < 5000; waited += 10)
            std::this_thread::sleep_for(10ms);
        EXPECT_GT(writer.flushCount(), before) << "no save after space returned: " << writer.lastError();
        const ReplySnapshot full = writer.finish();
        EXPECT_EQ(full.content, streamed);
        store.finishReply(reply, MessageStatus::Complete, full.content, full.reasoning, {});
        EXPECT_EQ(store.findMessage(reply)->content, streamed);
        EXPECT_EQ(integrity(db), "ok");
    }
    // And after closing: a fresh connection sees the whole reply, complete.
    Database again(disk.file("chats.db"));
    const auto final = ConversationStore(again).activePath(1);
    ASSERT_EQ(final.size(), 2u);
    EXPECT_EQ(final[1].status, MessageStatus::Complete);
    EXPECT_EQ(integrity(again), "ok");
}
