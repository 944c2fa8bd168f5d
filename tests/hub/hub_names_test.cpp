// Name checks on hub input (docs/RELIABILITY.md: no "..", no absolute paths, no NUL, 64-hex etags) and
// the fnmatch globs of --include.
#include "app/hub/hub_names.h"
#include "app/hub/hub_endpoint.h"
#include "base/error.h"

#include <gtest/gtest.h>

using namespace fathom::app;

namespace {

bool pathAccepted(const QString& p)
{
    try {
        checkRepoFilePath(p);
        return true;
    } catch (const fathom::Error&) {
        return false;
    }
}

TEST(HubNames, acceptsOrdinaryRepoFilePaths)
{
    EXPECT_TRUE(pathAccepted("config.json"));
    EXPECT_TRUE(pathAccepted("model-00001-of-000004.safetensors"));
    EXPECT_TRUE(pathAccepted("sub/dir/tokenizer.json"));
    EXPECT_TRUE(pathAccepted(".gitattributes"));
}

TEST(HubNames, rejectsTraversalAbsoluteAndNulPaths)
{
    for (const QString& bad : {QStringLiteral("../x"), QStringLiteral("a/../../x"), QStringLiteral("/etc/passwd"),
                               QStringLiteral("a//b"), QStringLiteral("./a"), QStringLiteral("a/"), QStringLiteral("C:evil"),
                               QStringLiteral("a\\b"), QStringLiteral(""), QStringLiteral("a") + QChar(0) + QStringLiteral("b")})
        EXPECT_FALSE(pathAccepted(bad)) << qPrintable(bad);
}

TEST(HubNames, pathErrorNamesTheFileAndTheProblem)
{
    try {
        checkRepoFilePath(QStringLiteral("a/../../b"));
        FAIL();
    } catch (const fathom::Error& e) {
        EXPECT_STREQ(e.what(), "hub file name 'a/../../b' has an empty, '.' or '..' part; refusing to write it");
        EXPECT_EQ(e.kind(), fathom::ErrorKind::UserInput);
    }
}

TEST(HubNames, repoIdsFollowTheHubRules)
{
    EXPECT_TRUE(isValidRepoId("deepseek-ai/DeepSeek-V2-Lite-Chat"));
    EXPECT_TRUE(isValidRepoId("a/b.c_d"));
    for (const char* bad : {"noslash", "a/b/c", "../x", "a/..", "a--b/c", "a/b c", "/b", "a/", "-a/b"})
        EXPECT_FALSE(isValidRepoId(bad)) << bad;
    EXPECT_EQ(repoFolderName("deepseek-ai/DeepSeek-V2-Lite-Chat"), "models--deepseek-ai--DeepSeek-V2-Lite-Chat");
}

TEST(HubNames, revisionsCannotEscapeRefs)
{
    EXPECT_NO_THROW(checkRevision("main"));
    EXPECT_NO_THROW(checkRevision("refs/pr/1"));
    EXPECT_THROW(checkRevision("../../x"), fathom::Error);
    EXPECT_THROW(checkRevision("/abs"), fathom::Error);
    EXPECT_THROW(checkRevision(""), fathom::Error);
}

TEST(HubNames, etagsAreNormalizedAndChecked)
{
    EXPECT_EQ(normalizeEtag("W/\"abc\""), "abc");
    EXPECT_EQ(normalizeEtag("\"abc\""), "abc");
    EXPECT_TRUE(isSha256Hex(QString(64, u'a')));
    EXPECT_FALSE(isSha256Hex(QString(63, u'a')));
    EXPECT_FALSE(isSha256Hex(QString(64, u'A')));  // the hub sends lowercase; anything else is suspect
    EXPECT_FALSE(isSha256Hex(QString(62, u'a') + QStringLiteral("/.")));
    EXPECT_TRUE(isCommitHash(QString(40, u'0')));
}

TEST(HubNames, globsMatchLikePythonFnmatch)
{
    EXPECT_TRUE(globMatch("*.json", "config.json"));
    EXPECT_TRUE(globMatch("*.json", "sub/tokenizer.json"));  // '*' crosses '/' in fnmatch
    EXPECT_TRUE(globMatch("model-0000?-of-*.safetensors", "model-00001-of-000004.safetensors"));
    EXPECT_TRUE(globMatch("[ct]*", "tokenizer.json"));
    EXPECT_FALSE(globMatch("[!ct]*", "tokenizer.json"));
    EXPECT_FALSE(globMatch("*.json", "model.safetensors"));
    EXPECT_TRUE(globMatch("*", ""));
}

TEST(HubEndpointTest, tokenGoesOnlyToTheHubsOwnOrigin)
{
    const HubEndpoint hub("https://huggingface.co/", "tok");
    EXPECT_EQ(hub.request(QUrl("https://huggingface.co/a/b/resolve/main/x")).rawHeader("Authorization"), "Bearer tok");
    EXPECT_TRUE(hub.request(QUrl("https://cdn-lfs.huggingface.co/x")).rawHeader("Authorization").isEmpty());
    EXPECT_TRUE(hub.request(QUrl("http://huggingface.co/x")).rawHeader("Authorization").isEmpty());
    EXPECT_TRUE(hub.request(QUrl("https://huggingface.co:8443/x")).rawHeader("Authorization").isEmpty());
}

TEST(HubEndpointTest, buildsHuggingfaceHubUrls)
{
    const HubEndpoint hub("https://huggingface.co", {});
    EXPECT_EQ(hub.repoInfoUrl("org/name", "refs/pr/1").toString(), "https://huggingface.co/api/models/org/name/revision/refs%2Fpr%2F1");
    EXPECT_EQ(hub.resolveUrl("org/name", "main", "sub/a b.json").toString(QUrl::FullyEncoded),
              "https://huggingface.co/org/name/resolve/main/sub/a%20b.json");
}

}  // namespace
