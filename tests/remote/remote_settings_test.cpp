// Settings → Models → "Remote server" against the loopback server: adding tests the connection and
// lists the models, a refused key or a dead address is said in words, removing takes it away, and
// what the dialog hands back to the settings never holds the key.
#include "app/remote/api_key_store.h"
#include "app/remote/remote_server_list.h"
#include "tests/remote/fake_openai_process.h"
#include "ui/settings/remote_servers_page.h"
#include "ui/settings/settings_dialog.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace fathom;

class RemoteSettingsTest final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::FakeOpenAiServer> m_server;

    static bool addServer(ui::RemoteServersPage* page, const QString& name, const QString& url, const QString& key)
    {
        page->nameField()->setText(name);
        page->urlField()->setText(url);
        page->keyField()->setText(key);
        QSignalSpy done(page, &ui::RemoteServersPage::testFinished);
        page->addButton()->click();
        if (!done.wait(15000)) return false;
        return done.first().first().toBool();
    }

private slots:
    void initTestCase() { m_server = std::make_unique<test::FakeOpenAiServer>(); }
    void cleanupTestCase() { m_server.reset(); }

    void addingAServerListsItsModelsAndKeepsTheKeyOutOfSettings()
    {
        m_server->setConfig({{QStringLiteral("require_key"), QStringLiteral("sk-node-secret")}});
        app::ApiKeyStore keys(QStringLiteral("Fathom remote servers (tests)"));
        ui::SettingsDialog dialog(QVariantMap{{QStringLiteral("remote.servers"), QStringLiteral("[]")}}, {}, nullptr, &keys);
        ui::RemoteServersPage* page = dialog.remoteServersPage();
        QVERIFY(page);
        // Typed without /v1, as people do: the page adds it.
        QVERIFY(addServer(page, QStringLiteral("GPU node"), QStringLiteral("127.0.0.1:%1").arg(m_server->port()),
                          QStringLiteral("sk-node-secret")));
        QCOMPARE(page->list()->count(), 1);
        QVERIFY2(page->statusLabel()->text().contains(QStringLiteral("deepseek-ai/DeepSeek-R1")), qPrintable(page->statusLabel()->text()));
        const QString json = dialog.changedValues().value(QStringLiteral("remote.servers")).toString();
        QVERIFY(!json.contains(QStringLiteral("sk-node-secret")));
        const QList<app::RemoteServer> servers = app::RemoteServerList::fromJson(json);
        QCOMPARE(servers.size(), 1);
        QCOMPARE(servers[0].name, QStringLiteral("GPU node"));
        QCOMPARE(servers[0].baseUrl.toString(), m_server->baseUrl());
        QCOMPARE(servers[0].models, QStringList{QStringLiteral("deepseek-ai/DeepSeek-R1")});
        QVERIFY(servers[0].usesKey);

        // OK hands the key to the keyring; without one (as here) it is kept for this run and said so.
        QSignalSpy written(&keys, &app::ApiKeyStore::written);
        dialog.accept();
        QVERIFY(written.wait(10000));
        QCOMPARE(written.first().at(1).toBool(), false);
        QVERIFY(written.first().at(2).toString().contains(QStringLiteral("No desktop keyring")));
        QCOMPARE(keys.keyForThisRun(servers[0].id).value_or(QString()), QStringLiteral("sk-node-secret"));
    }

    void aRefusedKeyOrADeadAddressIsNotAdded()
    {
        m_server->setConfig({{QStringLiteral("require_key"), QStringLiteral("right")}});
        app::ApiKeyStore keys(QStringLiteral("Fathom remote servers (tests)"));
        ui::RemoteServersPage page({}, &keys);
        QVERIFY(!addServer(&page, QStringLiteral("x"), m_server->baseUrl(), QStringLiteral("wrong")));
        QVERIFY2(page.statusLabel()->text().contains(QStringLiteral("refused the key (HTTP 401)")), qPrintable(page.statusLabel()->text()));
        QCOMPARE(page.list()->count(), 0);
        QVERIFY(!addServer(&page, QStringLiteral("x"), QStringLiteral("http://127.0.0.1:%1/v1").arg(test::closedPort()), {}));
        QVERIFY(page.statusLabel()->text().contains(QStringLiteral("connection was refused")));
        QVERIFY(!page.changed());
    }

    void testAndRemoveActOnTheSelectedServer()
    {
        m_server->setConfig({{QStringLiteral("models"), QStringLiteral("models_deepseek_api.json")}});
        app::RemoteServer s;
        s.id = QStringLiteral("abc");
        s.name = QStringLiteral("DeepSeek");
        s.baseUrl = QUrl(m_server->baseUrl());
        app::ApiKeyStore keys(QStringLiteral("Fathom remote servers (tests)"));
        ui::RemoteServersPage page({s}, &keys);
        page.list()->setCurrentRow(0);
        QSignalSpy done(&page, &ui::RemoteServersPage::testFinished);
        page.testButton()->click();
        QVERIFY(done.wait(10000));
        QCOMPARE(page.servers().first().models, (QStringList{QStringLiteral("deepseek-chat"), QStringLiteral("deepseek-reasoner")}));
        // A stored server whose key the (missing) keyring cannot give: said plainly, no 401.
        s.id = QStringLiteral("keyed");
        s.usesKey = true;
        ui::RemoteServersPage keyed({s}, &keys);
        keyed.list()->setCurrentRow(0);
        QSignalSpy keyedDone(&keyed, &ui::RemoteServersPage::testFinished);
        keyed.testButton()->click();
        QVERIFY(keyedDone.wait(10000));
        QCOMPARE(keyedDone.first().first().toBool(), false);
        QVERIFY2(keyed.statusLabel()->text().contains(QStringLiteral("No desktop keyring")), qPrintable(keyed.statusLabel()->text()));

        page.removeButton()->click();
        QVERIFY(page.servers().isEmpty());
        QVERIFY(page.changed());
    }
};

QTEST_MAIN(RemoteSettingsTest)
#include "remote_settings_test.moc"
