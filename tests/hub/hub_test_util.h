// Test support for the download manager: a QCoreApplication for the whole binary, and a loop that
// runs one job until it finishes or fails (or a deadline passes).
#pragma once

#include "app/hub/download_manager.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <functional>

namespace fathom::test {

inline void ensureApp()
{
    static int argc = 1;
    static char name[] = "hub_test";
    static char* argv[] = {name, nullptr};
    if (!QCoreApplication::instance())
        new QCoreApplication(argc, argv);
}

struct JobOutcome {
    bool finished = false;  // jobFinished
    bool failed = false;    // jobFailed
    QString message;        // failure message
    QString snapshot;       // snapshot folder on success
    QStringList retries;    // fileStateChanged(Retrying) messages
};

// Runs the event loop until the job ends; `start` kicks it off (e.g. calls manager.download).
inline JobOutcome runJob(app::DownloadManager& manager, const std::function<void()>& start, int timeoutMs = 20000)
{
    JobOutcome out;
    QEventLoop loop;
    auto c1 = QObject::connect(&manager, &app::DownloadManager::jobFinished, &loop, [&](const QString&, const QString& dir) {
        out.finished = true;
        out.snapshot = dir;
        loop.quit();
    });
    auto c2 = QObject::connect(&manager, &app::DownloadManager::jobFailed, &loop, [&](const QString&, const QString& why) {
        out.failed = true;
        out.message = why;
        loop.quit();
    });
    auto c3 = QObject::connect(&manager, &app::DownloadManager::fileStateChanged, &loop,
                               [&](const QString&, const QString&, app::DownloadManager::FileState s, const QString& why) {
                                   if (s == app::DownloadManager::FileState::Retrying)
                                       out.retries.append(why);
                               });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    QTimer::singleShot(0, &loop, start);
    loop.exec();
    QObject::disconnect(c1);
    QObject::disconnect(c2);
    QObject::disconnect(c3);
    return out;
}

// Spins the event loop until pred() holds or timeoutMs passes; returns pred().
inline bool waitFor(const std::function<bool()>& pred, int timeoutMs = 10000)
{
    QElapsedTimer t;
    t.start();
    while (!pred() && t.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return pred();
}

inline qint64 fileSize(const QString& path) { return QFileInfo(path).size(); }

inline QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every entry under dir, relative, sorted: for comparing whole trees.
inline QStringList treeOf(const QString& dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext())
        out.append(QDir(dir).relativeFilePath(it.next()));
    out.sort();
    return out;
}

}  // namespace fathom::test
