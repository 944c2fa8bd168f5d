// One download on the model manager page: progress bar, bytes / speed / time left, pause, resume,
// cancel, and the error in words when it fails. Driven by DownloadService's signals.
#pragma once

#include "app/hub/download_manager.h"

#include <QFrame>

class QLabel;
class QProgressBar;
class QPushButton;

namespace fathom::ui {

class DownloadRow final : public QFrame {
    Q_OBJECT
public:
    using JobState = app::DownloadManager::JobState;

    DownloadRow(const QString& jobId, QWidget* parent = nullptr);

    const QString& jobId() const { return m_jobId; }
    JobState state() const { return m_state; }
    void setState(JobState state, const QString& message);
    void setProgress(qint64 bytesDone, qint64 bytesTotal, double bytesPerSecond, qint64 etaSeconds);
    void setFailed(const QString& message);
    void setFinished();
    // A file's state: Retrying shows why under the bar (the download goes on by itself); the note
    // goes when the job ends or the file is done.
    void setFileState(const QString& path, app::DownloadManager::FileState state, const QString& message);

    QProgressBar* progressBar() const { return m_bar; }
    QLabel* statusLabel() const { return m_status; }
    QLabel* errorLabel() const { return m_error; }
    QLabel* noteLabel() const { return m_note; }

signals:
    void pauseRequested(const QString& jobId);
    void resumeRequested(const QString& jobId);
    void retryRequested(const QString& jobId);
    void cancelRequested(const QString& jobId);
    void dismissRequested(const QString& jobId);

private:
    void updateButtons();
    QString bytesText() const;

    QString m_jobId;
    JobState m_state = JobState::Resolving;
    qint64 m_done = 0;
    qint64 m_total = 0;
    QLabel* m_status;
    QLabel* m_error;
    QLabel* m_note;
    QProgressBar* m_bar;
    QPushButton* m_pause;
    QPushButton* m_resume;
    QPushButton* m_retry;
    QPushButton* m_cancel;
    QPushButton* m_dismiss;
};

}  // namespace fathom::ui
